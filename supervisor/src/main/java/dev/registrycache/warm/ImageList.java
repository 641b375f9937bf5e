package dev.registrycache.warm;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.settings.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The images to warm, read once before anything is fetched: the arguments, then the lines of the
 * file (one image a line; blank lines and {@code #} comments ignored), each named once. A name
 * that is not an image stops the command before it starts, naming the argument or the file and
 * line, so that a typo in a release's list is found before the link goes down, not after.
 */
final class ImageList {
    private ImageList() {}

    static List<ImageName> read(List<String> arguments, Path file) {
        Set<ImageName> images = new LinkedHashSet<>();
        for (String argument : arguments) {
            images.add(parse(argument, "argument '" + argument + "'"));
        }
        if (file != null) {
            List<String> lines = lines(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = withoutComment(lines.get(i));
                if (!line.isEmpty()) {
                    images.add(parse(line, file + " line " + (i + 1)));
                }
            }
        }
        if (images.isEmpty()) {
            throw new ConfigException(
                    file == null
                            ? "no image to warm: name images as arguments or in a file (--file)"
                            : "no image to warm: " + file + " names none, and no argument does");
        }
        return new ArrayList<>(images);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("--file " + file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException("--file " + file + ": cannot be read ("
                    + (e.getMessage() == null ? "no detail" : e.getMessage()) + ")");
        }
    }

    /** The line without its {@code #} comment and surrounding blanks: no image name holds a '#'. */
    private static String withoutComment(String line) {
        int hash = line.indexOf('#');
        return (hash < 0 ? line : line.substring(0, hash)).strip();
    }

    private static ImageName parse(String text, String where) {
        try {
            return ImageName.parse(text);
        } catch (InvalidValueException e) {
            throw new ConfigException(where + ": not an image name: " + e.getMessage());
        }
    }
}
