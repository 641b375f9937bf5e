package dev.registrycache.testsupport;

import dev.registrycache.common.logdir.AccessLogFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An access log read as the logger reads it ({@link AccessLogFormat}), for tests that check what a
 * node or gateway logged: a line the logger would skip is left out.
 */
public final class AccessLogLines {
    private AccessLogLines() {}

    /** The records of {@code log} so far; empty while it does not exist. */
    public static List<AccessLogFormat.Access> read(Path log) {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .map(l -> l.getBytes(StandardCharsets.UTF_8))
                    .map(b -> AccessLogFormat.parse(b, 0, b.length))
                    .filter(a -> a != null)
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** How many of the records are a {@code status} answer that the logger counts as a use of its blob. */
    public static long usesWithStatus(Path log, int status) {
        return read(log).stream().filter(a -> a.status() == status && a.isUse()).count();
    }
}
