package dev.registrycache.logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.logdir.AccessLogFormat;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.common.store.StoreLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logger against files it tails and a store it touches. Access times are read with stat
 * only, never by reading the files (/tmp is relatime).
 */
class LoggerTest {
    private static final Instant OLD = Instant.parse("2020-01-01T00:00:00Z");
    private static final Instant FIXED = Instant.parse("2026-11-27T12:00:00.123Z"); // lines of one length

    @TempDir
    Path dir;

    private Path logs() throws Exception {
        return Files.createDirectories(dir.resolve("logs"));
    }

    private static String line(Instant time, String kind, Digest digest, int status) {
        return "{\"time\":\"" + time + "\",\"registry\":\"quay.io\",\"method\":\"GET\",\"path\":\"/v2/x\",\"kind\":\""
                + kind
                + "\",\"repository\":\"quay.io/a\",\"digest\":\"" + digest + "\",\"status\":" + status
                + ",\"bytes\":1,\"cache\":\"hit\",\"durationMs\":1}\n";
    }

    private static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private Digest blob(StoreLayout layout, byte[] content) throws Exception {
        Digest d = Digest.sha256Of(content);
        Path data = layout.blobData(d);
        Files.createDirectories(data.getParent());
        Files.write(data, content);
        Files.getFileAttributeView(data, BasicFileAttributeView.class)
                .setTimes(FileTime.from(OLD), FileTime.from(OLD), null);
        return d;
    }

    private static Instant atime(StoreLayout layout, Digest d) throws Exception {
        return Files.readAttributes(layout.blobData(d), BasicFileAttributes.class)
                .lastAccessTime()
                .toInstant();
    }

    @Test
    void touchesUsedBlobsAndEverythingAUsedManifestReferences() throws Exception {
        FileDatastore store = new FileDatastore(dir.resolve("data"));
        StoreLayout layout = store.layout();
        Digest config = blob(layout, "{\"os\":\"linux\"}".getBytes());
        Digest layer = blob(layout, "layer".getBytes());
        Digest manifest = blob(
                layout,
                ("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + config + "\"},\"layers\":[{\"digest\":\"" + layer
                                + "\"}]}")
                        .getBytes());
        Digest index =
                blob(layout, ("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" + manifest + "\"}]}").getBytes());
        Digest lonely = blob(layout, "unused".getBytes());
        Digest failed = blob(layout, "failed".getBytes());
        Path log = logs().resolve("node-quay.io.access.log");
        Instant now = Instant.parse("2026-11-27T10:00:00Z");
        append(log, line(now, "manifest", index, 200) + line(now, "blob", failed, 404) + "not json\n");
        AccessToucher toucher = Tailers.toucher(store);
        try (LogTailer tailer = Tailers.tailer(logs(), new java.util.HashMap<>(), toucher::accept)) {
            tailer.poll();
            toucher.flush(); // as the logger does once caught up
            assertEquals(3, tailer.lines());
        }
        for (Digest d : List.of(index, manifest, config, layer)) {
            assertEquals(now, atime(layout, d), d.toString());
        }
        assertEquals(OLD, atime(layout, lonely));
        assertEquals(OLD, atime(layout, failed));
    }

    @Test
    void followsNewFilesRotationAndTruncationReadingEachLineOnce() throws Exception {
        List<AccessLogFormat.Access> seen = new ArrayList<>();
        Digest d = Digest.sha256Of(new byte[0]);
        Path a = logs().resolve("node-quay.io.access.log");
        append(a, line(Instant.now(), "blob", d, 200).repeat(3));
        try (LogTailer tailer = Tailers.tailer(logs(), new java.util.HashMap<>(), seen::add)) {
            tailer.poll();
            assertEquals(3, seen.size());
            // a file that appears later
            Path b = logs().resolve("node-docker.io.access.log");
            append(b, line(Instant.now(), "blob", d, 200).repeat(2));
            // half a line is held until it is complete
            String full = line(Instant.now(), "blob", d, 200);
            append(a, full.substring(0, 20));
            tailer.poll();
            assertEquals(5, seen.size());
            append(a, full.substring(20));
            tailer.poll();
            assertEquals(6, seen.size());
            // rotation: lines written to the old file after our last read are not lost
            append(a, line(Instant.now(), "blob", d, 200));
            Files.move(a, a.resolveSibling(a.getFileName() + ".1"));
            append(a, line(Instant.now(), "blob", d, 200).repeat(4));
            tailer.poll();
            assertEquals(11, seen.size());
            // truncation
            Files.write(b, new byte[0]);
            append(b, line(Instant.now(), "blob", d, 200));
            tailer.poll();
            assertEquals(12, seen.size());
            tailer.poll();
            assertEquals(12, seen.size());
        }
    }

    @Test
    void remembersWhereItWasAcrossRestartsAndRotations() throws Exception {
        List<AccessLogFormat.Access> seen = new ArrayList<>();
        Digest d = Digest.sha256Of(new byte[0]);
        Path a = logs().resolve("node-quay.io.access.log");
        TailState state = new TailState(new LogDirLayout(logs()).loggerState());
        append(a, line(Instant.now(), "blob", d, 200).repeat(10));
        try (LogTailer first = Tailers.tailer(logs(), state.load(), seen::add)) {
            first.poll();
            state.save(first.positions());
        }
        assertEquals(10, seen.size());
        append(a, line(Instant.now(), "blob", d, 200).repeat(5));
        try (LogTailer second = Tailers.tailer(logs(), state.load(), seen::add)) {
            second.poll();
            state.save(second.positions());
        }
        assertEquals(15, seen.size());
        // down while the node wrote 2 more lines and rotated, then wrote 3 to the new file
        append(a, line(Instant.now(), "blob", d, 200).repeat(2));
        Files.move(a, a.resolveSibling(a.getFileName() + ".1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        append(a, line(Instant.now(), "blob", d, 200).repeat(3));
        try (LogTailer third = Tailers.tailer(logs(), state.load(), seen::add)) {
            third.poll();
        }
        assertEquals(20, seen.size());
        assertTrue(Files.exists(new LogDirLayout(logs()).loggerState()));
    }

    @Test
    void aPollReadsABoundedChunkOfEachFileSoABacklogIsReadInStepsWithItsPlaceSaved() throws Exception {
        Digest d = Digest.sha256Of(new byte[0]);
        Path a = logs().resolve("node-quay.io.access.log");
        int lineBytes = line(FIXED, "blob", d, 200).length();
        append(a, line(FIXED, "blob", d, 200).repeat(50));
        TailState state = new TailState(new LogDirLayout(logs()).loggerState());
        List<AccessLogFormat.Access> seen = new ArrayList<>();
        int budget = lineBytes * 4 + lineBytes / 2;
        try (LogTailer tailer = Tailers.tailer(logs(), state.load(), seen::add, budget)) {
            assertTrue(tailer.poll(), "behind after the first chunk");
            assertEquals(4, seen.size(), "4.5 lines' worth read: 4 complete lines");
            state.save(tailer.positions());
            assertEquals(
                    4L * lineBytes,
                    state.load().get(a.getFileName().toString()).offset(),
                    "saved at the start of the half-read line");
            assertTrue(tailer.poll());
            assertEquals(2 * budget / lineBytes, seen.size());
        }
        int beforeRestart = seen.size();
        // restarted from the saved place: the lines after it, each once
        try (LogTailer tailer = Tailers.tailer(logs(), state.load(), seen::add, budget)) {
            int polls = 0;
            while (tailer.poll()) {
                polls++;
            }
            assertTrue(polls >= 10, "read in steps: " + polls);
        }
        assertEquals(
                beforeRestart + 46,
                seen.size(),
                "lines 5-50 after the restart (5-8 again: that place was not saved), no others");
    }

    @Test
    void aRestartWhileFinishingARotatedFileGoesOnInItThenReadsTheNewOne() throws Exception {
        Digest d = Digest.sha256Of(new byte[0]);
        Path a = logs().resolve("node-quay.io.access.log");
        int lineBytes = line(FIXED, "blob", d, 200).length();
        TailState state = new TailState(new LogDirLayout(logs()).loggerState());
        List<AccessLogFormat.Access> seen = new ArrayList<>();
        append(a, line(FIXED, "blob", d, 200).repeat(2));
        try (LogTailer first = Tailers.tailer(logs(), state.load(), seen::add)) {
            first.poll();
            state.save(first.positions());
        }
        // down while 20 more lines were written and the file rotated; then 5 in the new file
        append(a, line(FIXED, "blob", d, 200).repeat(20));
        Files.move(a, a.resolveSibling(a.getFileName() + ".1"));
        append(a, line(FIXED, "blob", d, 200).repeat(5));
        int budget = lineBytes * 8;
        try (LogTailer second = Tailers.tailer(logs(), state.load(), seen::add, budget)) {
            assertTrue(second.poll());
            assertEquals(10, seen.size());
            state.save(second.positions()); // in the rotated file
        }
        try (LogTailer third = Tailers.tailer(logs(), state.load(), seen::add, budget)) {
            while (third.poll()) {
                assertTrue(seen.size() <= 27);
            }
            state.save(third.positions());
        }
        assertEquals(27, seen.size(), "2 + 20 from the rotated file + 5 from the new one, each once");
        try (LogTailer fourth = Tailers.tailer(logs(), state.load(), seen::add, budget)) {
            assertEquals(false, fourth.poll());
        }
        assertEquals(27, seen.size());
    }

    @Test
    void aFileRotatedWhileBeingCaughtUpOnIsFinishedInStepsBeforeTheNewOne() throws Exception {
        Digest d = Digest.sha256Of(new byte[0]);
        Path a = logs().resolve("node-quay.io.access.log");
        int lineBytes = line(FIXED, "blob", d, 200).length();
        List<AccessLogFormat.Access> seen = new ArrayList<>();
        append(a, line(FIXED, "blob", d, 200).repeat(30));
        try (LogTailer tailer = Tailers.tailer(logs(), new java.util.HashMap<>(), seen::add, lineBytes * 10)) {
            assertTrue(tailer.poll());
            Files.move(a, a.resolveSibling(a.getFileName() + ".1"));
            append(a, line(FIXED, "blob", d, 200).repeat(7));
            int polls = 1;
            while (tailer.poll()) {
                polls++;
            }
            assertEquals(37, seen.size());
            assertEquals(3, polls, "the first file in three steps of 10 lines, then the new one");
        }
    }
}
