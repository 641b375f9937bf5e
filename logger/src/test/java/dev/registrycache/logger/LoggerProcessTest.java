package dev.registrycache.logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.testsupport.Await;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logger as a process catching up on a large backlog: it saves its place as it goes, and
 * SIGTERM stops it promptly (after the poll in progress) with its place saved, from which a
 * second logger reads the rest. A log dir it cannot write stops it before it starts.
 */
class LoggerProcessTest {
    private static final int LINES = 300_000;

    @TempDir
    Path dir;

    private Process start(Path logs, Path data) throws Exception {
        return start(logs, data, dir.resolve("logger-" + System.nanoTime() + ".out"));
    }

    private Process start(Path logs, Path data, Path output, String... extra) throws Exception {
        return process(logs, data, output, extra).start();
    }

    /** The logger as a process of its own on {@code logs} and {@code data}, printing to {@code output}. */
    static ProcessBuilder process(Path logs, Path data, Path output, String... extra) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx64m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                LoggerCommand.class.getName(),
                "--log-dir",
                logs.toString(),
                "--data-dir",
                data.toString(),
                "--poll-millis",
                "50"));
        command.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("RC_"));
        return pb;
    }

    /** Where a logger saved its place in the log {@code name}; -1 before it saved one. */
    static long savedOffset(Path stateFile, String name) {
        TailState.Position p = new TailState(stateFile).load().get(name);
        return p == null ? -1 : p.offset();
    }

    /** An access log of {@code lines} blob GETs, each of another digest. */
    private static Path writeLog(Path log, int lines) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String prefix = "{\"time\":\"" + Instant.now()
                    + "\",\"registry\":\"quay.io\",\"method\":\"GET\",\"path\":\"/v2/x\","
                    + "\"kind\":\"blob\",\"repository\":\"quay.io/a\",\"digest\":\"";
            for (int i = 0; i < lines; i++) {
                w.write(prefix + Digest.sha256Of(new byte[] {(byte) i, (byte) (i >> 8)})
                        + "\",\"status\":200,\"bytes\":1," + "\"cache\":\"hit\",\"durationMs\":1}\n");
            }
        }
        return log;
    }

    @Test
    void onceReadsEveryLogToItsEndSavesItsPlaceAndExits() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path log = writeLog(logs.resolve("node-quay.io.access.log"), 20_000);
        Path stateFile = new LogDirLayout(logs).loggerState();
        for (int pass = 1; pass <= 2; pass++) {
            Path output = dir.resolve("once-" + pass + ".out");
            Process logger = start(logs, data, output, "--once");
            try {
                assertTrue(logger.waitFor(120, TimeUnit.SECONDS), "pass " + pass + " still running");
            } finally {
                logger.destroyForcibly().waitFor();
            }
            assertEquals(0, logger.exitValue(), Files.readString(output));
            assertEquals(
                    Files.size(log), savedOffset(stateFile, log.getFileName().toString()), "pass " + pass);
            assertTrue(Files.exists(new LogDirLayout(logs).loggerMetrics()), "its metrics written");
        }
    }

    @Test
    void refusesALogDirItCannotWriteWithOneLineAndStatus2() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("not-a-folder"), "x");
        Path output = dir.resolve("refused.out");
        Process logger = start(notAFolder.resolve("logs"), dir.resolve("data"), output);
        assertTrue(logger.waitFor(60, TimeUnit.SECONDS), "still running");
        assertEquals(2, logger.exitValue(), Files.readString(output));
        assertTrue(
                Files.readString(output).startsWith("registry-cache logger: LOG_DIR " + notAFolder.resolve("logs")),
                Files.readString(output));
    }

    @Test
    void stopsPromptlyOnSigtermWhileCatchingUpWithItsPlaceSaved() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path data = Files.createDirectories(dir.resolve("data"));
        String name = "node-quay.io.access.log";
        Path log = writeLog(logs.resolve(name), LINES);
        long size = Files.size(log);
        Path stateFile = new LogDirLayout(logs).loggerState();
        Process logger = start(logs, data);
        try {
            Await.until("a position saved while catching up", () -> {
                if (!logger.isAlive()) {
                    fail("the logger ended before it saved a position");
                }
                return savedOffset(stateFile, name) > 0;
            });
            long first = savedOffset(stateFile, name);
            assertTrue(first < size, "a place inside the backlog saved: " + first + " of " + size);
            long sent = System.nanoTime();
            logger.destroy(); // SIGTERM
            assertTrue(logger.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIGTERM");
            Duration took = Duration.ofNanos(System.nanoTime() - sent);
            long stopped = savedOffset(stateFile, name);
            assertTrue(
                    stopped >= first && stopped < size,
                    "stopped inside the backlog, not after reading all of it: " + stopped + " of " + size + " after "
                            + took);
            try (var r = Files.newByteChannel(log)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                r.position(stopped - 1).read(b);
                assertEquals('\n', b.get(0), "saved at the start of a line");
            }
        } finally {
            logger.destroyForcibly().waitFor();
        }
        // a second logger reads the rest and saves the end
        Process second = start(logs, data);
        try {
            Await.until(
                    "the rest of the backlog read, " + size + " bytes",
                    Duration.ofSeconds(120),
                    () -> {
                        if (!second.isAlive()) {
                            fail("the second logger ended at " + savedOffset(stateFile, name) + " of " + size);
                        }
                        return savedOffset(stateFile, name) == size;
                    },
                    () -> "at " + savedOffset(stateFile, name));
        } finally {
            second.destroy();
            if (!second.waitFor(10, TimeUnit.SECONDS)) {
                second.destroyForcibly().waitFor();
            }
        }
    }
}
