package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The code blocks of the repository's README.md that a test runs as written: each is marked by
 * an HTML comment on the line before its opening fence, {@code <!-- client-block: NAME -->}, so
 * that the README a user copies from and the configuration the tests use are the same text.
 */
public final class ReadmeBlocks {
    private static final String MARKER = "<!-- client-block: ";

    private final Path readme;
    private final Map<String, String> blocks;

    private ReadmeBlocks(Path readme, Map<String, String> blocks) {
        this.readme = readme;
        this.blocks = blocks;
    }

    /** The README.md of the repository the tests run in (found from the working folder upwards). */
    public static ReadmeBlocks load() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("docker")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "no README.md beside a docker folder above " + Path.of("").toAbsolutePath());
        }
        return parse(dir.resolve("README.md"));
    }

    static ReadmeBlocks parse(Path readme) {
        List<String> lines;
        try {
            lines = Files.readAllLines(readme);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> blocks = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.startsWith(MARKER) || !line.endsWith("-->")) {
                continue;
            }
            String name = line.substring(MARKER.length(), line.length() - 3).strip();
            if (i + 1 >= lines.size() || !lines.get(i + 1).strip().startsWith("```")) {
                throw new IllegalStateException(
                        readme + ": the marker of " + name + " is not followed by a code block");
            }
            StringBuilder text = new StringBuilder();
            int j = i + 2;
            for (; j < lines.size() && !lines.get(j).strip().equals("```"); j++) {
                text.append(lines.get(j)).append('\n');
            }
            if (j == lines.size()) {
                throw new IllegalStateException(readme + ": the code block of " + name + " never ends");
            }
            if (blocks.put(name, text.toString()) != null) {
                throw new IllegalStateException(readme + ": two blocks named " + name);
            }
            i = j;
        }
        return new ReadmeBlocks(readme, blocks);
    }

    /** The text of the block {@code name}, without its fences. */
    public String block(String name) {
        String text = blocks.get(name);
        if (text == null) {
            throw new IllegalStateException(readme + " has no block marked <!-- client-block: " + name + " --> (it has "
                    + blocks.keySet() + ")");
        }
        return text;
    }

    /**
     * The block with the README's example names replaced: each key of {@code replacements} (e.g.
     * {@code cache.example.com:8443}) by its value (e.g. {@code 127.0.0.1:41234}).
     */
    public String block(String name, Map<String, String> replacements) {
        String text = block(name);
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            if (!text.contains(r.getKey())) {
                throw new IllegalStateException("block " + name + " does not contain " + r.getKey());
            }
            text = text.replace(r.getKey(), r.getValue());
        }
        return text;
    }
}
