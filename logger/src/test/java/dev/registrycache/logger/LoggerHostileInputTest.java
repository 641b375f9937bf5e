package dev.registrycache.logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.StoreLayout;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Tools;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logger as the supervisor runs it (64 MiB heap, exit on {@code OutOfMemoryError}) against
 * input built to break it: it neither dies nor comes back to the same line, and the lines after
 * the bad one are applied. A dead logger would be restarted at its saved place and die there
 * again, for ever, while no access time is recorded.
 */
class LoggerHostileInputTest {
    /** The supervisor's options for the logger ({@code ChildSpec.smallOptions}). */
    private static final List<String> SUPERVISED_JVM = List.of(
            "-Xms8m",
            "-Xmx64m",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+UseSerialGC",
            "-Xss512k",
            "-XX:MaxDirectMemorySize=16m",
            "-XX:TieredStopAtLevel=1");

    private static final Instant OLD = Instant.parse("2020-01-01T00:00:00Z");
    private static final Instant USED = Instant.parse("2026-11-27T10:00:00Z");
    private static final Instant LATER = Instant.parse("2026-11-27T10:05:00Z");

    @TempDir
    Path dir;

    private Path logs;
    private StoreLayout layout;
    private Path output;
    private Process logger;

    @AfterEach
    void stop() throws Exception {
        if (logger != null) {
            logger.destroy();
            if (!logger.waitFor(10, TimeUnit.SECONDS)) {
                logger.destroyForcibly().waitFor();
            }
        }
    }

    private void start() throws Exception {
        logs = Files.createDirectories(dir.resolve("logs"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(SUPERVISED_JVM);
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                LoggerCommand.class.getName(),
                "--log-dir",
                logs.toString(),
                "--data-dir",
                dir.resolve("data").toString(),
                "--poll-millis",
                "50"));
        output = dir.resolve("logger.out");
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("RC_"));
        logger = pb.start();
    }

    private Digest blob(byte[] content) throws Exception {
        Digest d = Digest.sha256Of(content);
        Path data = layout.blobData(d);
        Files.createDirectories(data.getParent());
        Files.write(data, content);
        Files.getFileAttributeView(data, BasicFileAttributeView.class)
                .setTimes(FileTime.from(OLD), FileTime.from(OLD), null);
        return d;
    }

    private static String line(Instant time, String kind, Digest digest) {
        return "{\"time\":\"" + time + "\",\"registry\":\"quay.io\",\"method\":\"GET\",\"path\":\"/v2/x\",\"kind\":\""
                + kind
                + "\",\"repository\":\"quay.io/a\",\"digest\":\"" + digest
                + "\",\"status\":200,\"bytes\":1,\"cache\":\"hit\","
                + "\"durationMs\":1}\n";
    }

    private Instant atime(Digest d) throws Exception {
        return Files.readAttributes(layout.blobData(d), BasicFileAttributes.class)
                .lastAccessTime()
                .toInstant();
    }

    /** Waits until the logger has saved its place at the end of {@code log} and {@code last} is touched. */
    private void awaitApplied(Path log, Digest last) throws Exception {
        long size = Files.size(log);
        Await.until(
                "the logger past the line, at " + size + " of " + log.getFileName(),
                Duration.ofSeconds(120),
                () -> {
                    long at = savedOffset(log);
                    if (!logger.isAlive()) {
                        fail("the logger died at " + at + " of " + size + ":\n" + Tools.printed(output));
                    }
                    return at == size && touched(last);
                },
                () -> "at " + savedOffset(log) + ":\n" + Tools.printed(output));
        assertTrue(logger.isAlive(), Files.readString(output));
    }

    private boolean touched(Digest d) {
        try {
            return atime(d).equals(LATER);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Where the logger saved its place in {@code log}; -1 before it saved one. */
    private long savedOffset(Path log) {
        return LoggerProcessTest.savedOffset(
                new LogDirLayout(logs).loggerState(), log.getFileName().toString());
    }

    @Test
    void aManifestOfMillionsOfEmptyObjectsNeitherStopsTheLoggerNorHidesTheLinesAfterIt() throws Exception {
        layout = new StoreLayout(dir.resolve("data"));
        Digest config = blob("{\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8));
        Digest layer = blob("layer".getBytes(StandardCharsets.UTF_8));
        Digest later = blob("used later".getBytes(StandardCharsets.UTF_8));
        String head =
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":\""
                        + config + "\"},\"layers\":[{\"digest\":\"" + layer + "\"}],\"x\":[";
        int objects = (4 * 1024 * 1024 - head.length() - 16) / 3;
        Digest crafted = blob((head + "{},".repeat(objects) + "{}]}").getBytes(StandardCharsets.UTF_8));
        start();
        Path log = logs.resolve("node-quay.io.access.log");
        Files.writeString(log, line(USED, "manifest", crafted) + line(LATER, "blob", later));
        awaitApplied(log, later);
        assertEquals(USED, atime(crafted));
        assertEquals(USED, atime(config), "what the manifest references is found past the empty objects");
        assertEquals(USED, atime(layer));
    }

    @Test
    void aLineLongerThanAnyAccessRecordIsSkippedOnce() throws Exception {
        layout = new StoreLayout(dir.resolve("data"));
        Digest before = blob("used before".getBytes(StandardCharsets.UTF_8));
        Digest later = blob("used later".getBytes(StandardCharsets.UTF_8));
        start();
        Path log = logs.resolve("node-quay.io.access.log");
        // what a crash can leave in a log: a long run of zero bytes without a newline
        Files.writeString(log, line(USED, "blob", before));
        try (FileChannel out = FileChannel.open(log, StandardOpenOption.WRITE)) {
            out.write(
                    ByteBuffer.wrap(("\n" + line(LATER, "blob", later)).getBytes(StandardCharsets.UTF_8)),
                    Files.size(log) + (256L << 20));
        }
        awaitApplied(log, later);
        assertEquals(USED, atime(before));
        String out = Files.readString(output);
        assertEquals(1, out.split("skipping", -1).length - 1, "logged once:\n" + out);
        awaitMetric("registry_cache_logger_skipped_total{reason=\"line_too_long\"} 1");
    }

    /** Waits until the logger's metrics file, which the gateway publishes, holds {@code sample}. */
    private void awaitMetric(String sample) {
        Path metrics = new LogDirLayout(logs).loggerMetrics();
        Await.until(
                sample + " in " + metrics,
                Await.DEADLINE,
                () -> Tools.printed(metrics).contains(sample),
                () -> Tools.printed(metrics));
    }
}
