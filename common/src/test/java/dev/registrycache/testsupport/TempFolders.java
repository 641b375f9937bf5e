package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What the code under test leaves in java.io.tmpdir: a test compares the sets before and after. */
public final class TempFolders {
    private TempFolders() {}

    /** The entries of java.io.tmpdir whose name starts with {@code prefix}. */
    public static Set<Path> startingWith(String prefix) {
        try (Stream<Path> all = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return all.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
