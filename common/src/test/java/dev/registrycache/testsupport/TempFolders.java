package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the code under test leaves in java.io.tmpdir: a test takes the set before and asks what
 * is new after. Only what is new counts: another suite running at once may remove its own.
 */
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

    /** The entries whose name starts with {@code prefix} that were not among {@code before}. */
    public static Set<Path> newSince(Set<Path> before, String prefix) {
        Set<Path> now = new java.util.HashSet<>(startingWith(prefix));
        now.removeAll(before);
        return now;
    }
}
