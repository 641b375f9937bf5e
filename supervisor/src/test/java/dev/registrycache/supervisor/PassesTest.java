package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.cleaner.CleanerCommand;
import dev.registrycache.common.settings.ByteSize;
import dev.registrycache.common.settings.CleanerSettings;
import dev.registrycache.testsupport.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the supervisor runs a cleaning pass and a logger pass, on a clock the test moves. */
class PassesTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-12-05T00:00:00Z"));

    @TempDir
    Path logs;

    @Test
    void cleaningPassesRunAtOnceThenEveryPeriodAndAfterTheLeasesTermWhenAnotherReplicaHeldIt() {
        CleanerSettings settings =
                new CleanerSettings(ByteSize.parse("10G"), 20, Duration.ofMinutes(30), Duration.ofMinutes(2));
        CleanerPasses passes = new CleanerPasses(settings, () -> {}, clock::nanoTime);
        assertEquals(Duration.ZERO, passes.untilNext(), "the first pass once the cache is ready");
        passes.exited(0, Duration.ofSeconds(1));
        assertEquals(Duration.ofMinutes(30), passes.untilNext());
        clock.advance(Duration.ofMinutes(30));
        passes.exited(CleanerCommand.LEASE_HELD, Duration.ofSeconds(1));
        assertEquals(Duration.ofMinutes(2), passes.untilNext(), "asked again after the lease's term");
        passes.exited(1, Duration.ofSeconds(1));
        assertEquals(Duration.ofMinutes(30), passes.untilNext(), "a failed pass waits a whole period");
    }

    @Test
    void aLoggerPassRunsAMinuteAfterTheLogsChangedAtOnceOnABacklogOrForTheCleanerAndNotWhileNothingChanged()
            throws Exception {
        LoggerPasses passes = new LoggerPasses(logs, clock::nanoTime);
        assertFalse(passes.due(passes.look()), "no log, nothing to read");
        Path log = Files.createFile(logs.resolve("node-quay.io.access.log"));
        assertFalse(passes.due(passes.look()), "an empty log has nothing to read");
        Files.writeString(log, "{}\n", StandardOpenOption.APPEND);
        assertFalse(passes.due(passes.look()), "a change waits for more");
        clock.advance(LoggerPasses.DELAY.minusSeconds(1));
        assertFalse(passes.due(passes.look()));
        clock.advance(Duration.ofSeconds(1));
        assertTrue(passes.due(passes.look()), "a minute after the change");
        passes.awaitTurn(); // due: returns at once
        passes.exited(0, Duration.ofSeconds(1));
        clock.advance(Duration.ofHours(1));
        assertFalse(passes.due(passes.look()), "nothing new since the pass");
        Files.write(log, new byte[(int) LoggerPasses.BACKLOG_BYTES], StandardOpenOption.APPEND);
        assertTrue(passes.due(passes.look()), "a backlog is read at once, before the log is rotated");
        passes.awaitTurn();
        passes.exited(1, Duration.ofSeconds(1));
        clock.advance(LoggerPasses.DELAY.minusSeconds(1));
        assertFalse(passes.due(passes.look()), "a failed pass is tried again a minute later");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(passes.due(passes.look()));
    }

    @Test
    void theCleanerWaitsForALoggerPassThatReadWhatTheLogsHoldNow() throws Exception {
        LoggerPasses passes = new LoggerPasses(logs, clock::nanoTime);
        passes.catchUp(); // nothing to read: returns at once
        Files.writeString(logs.resolve("gateway.access.log"), "{}\n");
        Thread logger = new Thread(() -> {
            try {
                passes.awaitTurn(); // due at once: the cleaner asked
                passes.exited(0, Duration.ofMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        logger.start();
        passes.catchUp();
        logger.join(Duration.ofSeconds(60).toMillis());
        assertFalse(logger.isAlive());
        assertFalse(passes.due(passes.look()), "what the logs hold was read");
    }
}
