package dev.registrycache.logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.registrycache.common.logdir.AccessLogFormat;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ManifestSummary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the logger does with input beyond its limits: skips it, counts it, and goes on. The
 * limits of one use (manifests beyond the limits, budgets) are in {@link AccessToucherTest}.
 */
class LoggerLimitsTest {
    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void linesTooLongAreSkippedAndCountedAndTheRestRead() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path log = logs.resolve("node-quay.io.access.log");
        Digest d = Digest.sha256Of(new byte[0]);
        String good = "{\"time\":\"" + NOW + "\",\"kind\":\"blob\",\"digest\":\"" + d + "\",\"status\":200}\n";
        String junk = "x".repeat(LogTailer.MAX_LINE + 1) + "\n";
        Files.writeString(
                log, good + junk + good + junk.repeat(3) + "x".repeat(3 * LogTailer.MAX_LINE), StandardCharsets.UTF_8);
        List<AccessLogFormat.Access> seen = new ArrayList<>();
        Skips skips = Tailers.skips();
        TailState state = new TailState(new LogDirLayout(logs).loggerState());
        try (LogTailer tailer = new LogTailer(logs, new HashMap<>(), seen::add, LogTailer.POLL_BYTES, skips)) {
            tailer.poll();
            assertEquals(2, seen.size());
            assertEquals(5, skips.count(), "four long lines, and the unfinished one as soon as it is too long");
            Files.writeString(log, "x\n" + good, StandardOpenOption.APPEND);
            tailer.poll();
            assertEquals(3, seen.size(), "the rest of the long line dropped, the next line read");
            assertEquals(5, skips.count());
            state.save(tailer.positions());
        }
        assertEquals(
                Files.size(log), state.load().get(log.getFileName().toString()).offset());
    }

    @Test
    void theReferenceCacheIsBoundedByTheDigestsItHolds() {
        ReferenceCache cache = new ReferenceCache(100);
        Digest a = Digest.sha256Of(new byte[] {1});
        List<Digest> twenty = java.util.Collections.nCopies(20, a);
        for (int i = 0; i < 10; i++) {
            cache.put(Digest.sha256Of(new byte[] {(byte) i, 9}), new ManifestSummary(null, twenty, List.of()));
        }
        assertNull(cache.get(Digest.sha256Of(new byte[] {0, 9})), "evicted: 10 x 21 digests do not fit in 100");
        assertNotNull(cache.get(Digest.sha256Of(new byte[] {9, 9})));
        cache.put(a, new ManifestSummary(null, java.util.Collections.nCopies(30, a), List.of()));
        assertNull(cache.get(a), "one manifest may not take more than a quarter");
    }
}
