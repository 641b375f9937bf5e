package dev.registrycache.cleaner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.startup.SupervisorWatch;
import dev.registrycache.common.store.StoreLayout;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cleaner --once} in its own JVM, as a CronJob runs it, against lease files that no live
 * cleaner left: what it does, and what it says about them (its log lines are on its output); and
 * {@code cleaner --scheduled}, the pass the supervisor runs as a process of its own.
 * Tests run as root here, which reads any file whatever its permissions: a directory and a file
 * that holds no lease stand for the unreadable ones.
 */
class CleanerOnceLeaseFilesTest {
    @TempDir
    Path dir;

    private Path lease() throws IOException {
        return Files.createDirectories(dir.resolve("data").resolve(StoreLayout.LEASES))
                .resolve(CleanerLease.NAME);
    }

    private ProcessResult cleanerOnce() {
        return cleaner("--once");
    }

    private ProcessResult cleaner(String mode) {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CleanerCommand.class.getName(),
                mode,
                "--data-dir",
                dir.resolve("data").toString(),
                "--log-dir",
                dir.resolve("logs").toString());
        Map<String, String> env = new HashMap<>();
        for (String unset : List.of(
                "CLEANER_MAXSIZE",
                "CLEANER_THRESHOLD_PERCENTAGE",
                "CLEANER_RUNEVERY_TIME",
                "CLEANER_LEASE_TERM",
                "DATA_DIR",
                "LOG_DIR",
                SupervisorWatch.ENV)) {
            env.put(unset, null);
        }
        return Tools.run(Duration.ofSeconds(60), command, env, null);
    }

    @Test
    void aGhostsLeaseThatRunsForCenturiesIsTakenOverWithAWarning() throws IOException {
        Files.writeString(lease(), "ghost 99999999999999\n");
        ProcessResult run = cleanerOnce();
        assertEquals(0, run.exitCode(), run.describe());
        assertTrue(
                run.output().contains("level=WARN") && run.output().contains("ghost"),
                "a WARN names the stale holder: " + run.output());
        assertTrue(run.output().contains("cleaner: store"), "and the pass ran: " + run.output());
    }

    @Test
    void aFileThatHoldsNoLeaseIsTakenOverWithAWarning() throws IOException {
        Files.writeString(lease(), "no lease here\n");
        ProcessResult run = cleanerOnce();
        assertEquals(0, run.exitCode(), run.describe());
        assertTrue(
                run.output().contains("level=WARN") && run.output().contains("holds no lease"),
                "a WARN says what the file is: " + run.output());
        assertTrue(run.output().contains("cleaner: store"), "and the pass ran: " + run.output());
    }

    @Test
    void aDirectoryAtTheLeasePathIsReportedAsSuchNotAsAnotherReplicasTurn() throws IOException {
        Files.createDirectory(lease());
        ProcessResult run = cleanerOnce();
        assertNotEquals(0, run.exitCode(), "a CronJob's run that could not clean fails: " + run.describe());
        assertTrue(
                run.output().contains(lease() + " is a directory"), "the output says what is wrong: " + run.output());
        assertFalse(run.output().contains("another replica"), "no other replica is involved: " + run.output());
        assertFalse(run.output().contains("cleaner: store"), run.output());
    }

    @Test
    void scheduledPassesGoOnCountingFromTheLastPassAndLeaveTheLeaseFree() throws IOException {
        for (int pass = 1; pass <= 2; pass++) {
            ProcessResult run = cleaner("--scheduled");
            assertEquals(0, run.exitCode(), run.describe());
            assertTrue(run.output().contains("cleaner: store"), run.output());
            String metrics = Files.readString(dir.resolve("logs/cleaner.prom"));
            assertTrue(
                    metrics.contains("\nregistry_cache_cleaner_passes_total " + pass + "\n"),
                    "pass " + pass + ": " + metrics);
            assertTrue(metrics.contains("\nregistry_cache_store_bytes 0\n"), metrics);
            assertFalse(Files.exists(lease()), "the pass gave its lease up");
        }
    }

    @Test
    void aScheduledPassThatFindsTheLeaseHeldExitsSoThatTheSupervisorAsksAgainAfterTheTerm() throws IOException {
        String held = "another-replica "
                + (System.currentTimeMillis() + Duration.ofMinutes(2).toMillis()) + "\n";
        Files.writeString(lease(), held);
        ProcessResult run = cleaner("--scheduled");
        assertEquals(CleanerCommand.LEASE_HELD, run.exitCode(), run.describe());
        assertFalse(run.output().contains("cleaner: store"), "nothing cleaned: " + run.output());
        assertEquals(held, Files.readString(lease()), "the other replica's lease is left alone");
    }
}
