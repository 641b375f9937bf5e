package dev.registrycache.logger;

import dev.registrycache.common.AccessLogFormat;
import dev.registrycache.common.Digest;
import dev.registrycache.common.ManifestSummary;
import dev.registrycache.common.store.StoreLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the logger does with input beyond its limits: skips it, counts it, and goes on. */
class LoggerLimitsTest {
    private static final Instant OLD = Instant.parse("2020-01-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

    @TempDir
    Path dir;

    private StoreLayout layout() {
        return new StoreLayout(dir.resolve("data"));
    }

    private Digest blob(String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256Of(bytes);
        Path data = layout().blobData(d);
        Files.createDirectories(data.getParent());
        Files.write(data, bytes);
        Files.getFileAttributeView(data, BasicFileAttributeView.class).setTimes(FileTime.from(OLD), FileTime.from(OLD), null);
        return d;
    }

    private Instant atime(Digest d) throws Exception {
        return Files.readAttributes(layout().blobData(d), BasicFileAttributes.class).lastAccessTime().toInstant();
    }

    private static AccessLogFormat.Access use(String kind, Digest d) {
        return new AccessLogFormat.Access(NOW, kind, d, 200);
    }

    private static String manifest(Digest config, int layers, Digest layer) {
        return "{\"schemaVersion\":2,\"config\":{\"digest\":\"" + config + "\"},\"layers\":["
                + ("{\"digest\":\"" + layer + "\"},").repeat(layers - 1) + "{\"digest\":\"" + layer + "\"}]}";
    }

    @Test
    void aManifestBeyondTheLimitsIsTouchedButItsReferencesAreNotFollowedAndItIsReadOnce() throws Exception {
        Digest config = blob("config");
        Digest layer = blob("layer");
        Digest tooMany = blob(manifest(config, ManifestSummary.MAX_REFERENCES + 1, layer));
        Digest other = blob("other");
        Skips skips = new Skips();
        AccessToucher toucher = new AccessToucher(layout(), skips);
        toucher.accept(use("manifest", tooMany));
        toucher.accept(use("blob", other));
        toucher.flush();
        assertEquals(NOW, atime(tooMany));
        assertEquals(NOW, atime(other));
        assertEquals(OLD, atime(config));
        assertEquals(1, skips.count());
        toucher.accept(new AccessLogFormat.Access(NOW.plusSeconds(60), "manifest", tooMany, 200));
        toucher.flush();
        assertEquals(1, skips.count(), "remembered as having nothing to follow, not read again");
        assertTrue(skips.metrics().render().contains("registry_cache_logger_skipped_total{reason=\"manifest_beyond_limits\"} 1"),
                skips.metrics().render());
    }

    @Test
    void aUseReachingMoreThanItsBudgetIsCutShortOnce() throws Exception {
        Digest config = blob("config");
        Digest layer = blob("layer");
        List<Digest> children = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            children.add(blob(manifest(config, 4_000, layer) + " ".repeat(i)));
        }
        StringBuilder index = new StringBuilder("{\"schemaVersion\":2,\"manifests\":[");
        children.forEach(c -> index.append(index.charAt(index.length() - 1) == '[' ? "" : ",").append("{\"digest\":\"").append(c)
                .append("\"}"));
        Digest top = blob(index.append("]}").toString());
        Skips skips = new Skips();
        AccessToucher toucher = new AccessToucher(layout(), skips);
        toucher.accept(use("manifest", top));
        toucher.flush();
        assertEquals(NOW, atime(top));
        assertEquals(NOW, atime(children.get(2)), "the third reached with 8,005 touches (its layers are cut short)");
        assertEquals(OLD, atime(children.get(3)), "past 10,000 touches");
        assertEquals(1, skips.count());
    }

    @Test
    void linesTooLongAreSkippedAndCountedAndTheRestRead() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path log = logs.resolve("node-quay.io.access.log");
        Digest d = Digest.sha256Of(new byte[0]);
        String good = "{\"time\":\"" + NOW + "\",\"kind\":\"blob\",\"digest\":\"" + d + "\",\"status\":200}\n";
        String junk = "x".repeat(LogTailer.MAX_LINE + 1) + "\n";
        Files.writeString(log, good + junk + good + junk.repeat(3) + "x".repeat(3 * LogTailer.MAX_LINE), StandardCharsets.UTF_8);
        List<AccessLogFormat.Access> seen = new ArrayList<>();
        Skips skips = new Skips();
        TailState state = new TailState(logs.resolve(".logger-state.json"));
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
        assertEquals(Files.size(log), state.load().get(log.getFileName().toString()).offset());
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
