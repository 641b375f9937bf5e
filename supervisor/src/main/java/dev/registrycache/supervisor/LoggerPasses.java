package dev.registrycache.supervisor;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.logdir.LogDirLayout;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logger as a process per pass ({@code logger --once}): the supervisor looks at the access
 * logs every second and runs a pass, which reads them to their end from where the last one
 * stopped, when they changed and either {@link #DELAY} has passed since it first saw the change,
 * or they grew by {@link #BACKLOG_BYTES} (well before a log is rotated at 16 MiB and its
 * predecessor dropped, so no line is lost), or the cleaner is about to run ({@link #catchUp}). So
 * no logger JVM stays in memory while no one pulls, an access time is set at most about a minute
 * after its request, and always before this host's cleaning pass looks at it; pulls in a burst
 * cost one JVM start a minute, after the burst's first minute rather than in the middle of its
 * first pull.
 */
final class LoggerPasses implements Turns {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerPasses.class);
    /** The longest a change to the access logs waits for a pass (README: "about a minute"). */
    static final Duration DELAY = Duration.ofSeconds(60);
    /** Growth of the access logs that starts a pass at once. */
    static final long BACKLOG_BYTES = 4L << 20;
    /** How often the supervisor looks at the access logs. */
    static final Duration LOOK_EVERY = Duration.ofSeconds(1);
    /** How long the cleaner waits for the logger to catch up at most. */
    static final Duration CATCH_UP_LIMIT = Duration.ofMinutes(2);

    /** An access log as last seen. */
    record Seen(long size, long modifiedMillis) {}

    private final Path logDir;
    private final LongSupplier nanoTime;
    /** The logs as they were when the last pass that succeeded started: what it read. */
    private Map<String, Seen> applied = Map.of();

    private Map<String, Seen> reading;
    private boolean passRunning;
    private long changeSeenAt;
    private boolean changeSeen;
    private long retryAt;
    private boolean catchUpAsked;
    private long passesEnded;

    LoggerPasses(Path logDir, LongSupplier nanoTime) {
        this.logDir = logDir;
        this.nanoTime = nanoTime;
        this.retryAt = nanoTime.getAsLong();
    }

    @Override
    public synchronized void awaitTurn() throws InterruptedException {
        while (!due(look())) {
            wait(LOOK_EVERY.toMillis());
        }
        reading = look();
        passRunning = true;
        catchUpAsked = false;
    }

    /** Whether a pass is due with the logs as they are {@code now}. */
    synchronized boolean due(Map<String, Seen> now) {
        long t = nanoTime.getAsLong();
        if (now.equals(applied)) {
            changeSeen = false;
            return false;
        }
        if (!changeSeen) {
            changeSeen = true;
            changeSeenAt = t;
        }
        if (catchUpAsked) {
            return true;
        }
        return t - retryAt >= 0 && (growth(now) >= BACKLOG_BYTES || t - changeSeenAt >= DELAY.toNanos());
    }

    private long growth(Map<String, Seen> now) {
        long bytes = 0;
        for (Map.Entry<String, Seen> e : now.entrySet()) {
            Seen before = applied.get(e.getKey());
            bytes += Math.abs(e.getValue().size() - (before == null ? 0 : before.size()));
        }
        return bytes;
    }

    @Override
    public synchronized void exited(int exitCode, Duration ran) {
        passRunning = false;
        passesEnded++;
        if (exitCode == 0) {
            applied = reading;
            changeSeen = false;
        } else {
            retryAt = nanoTime.getAsLong() + DELAY.toNanos();
            LOG.warn(
                    "logger pass exited with code {} after {} ms; the next in {} s at the latest",
                    exitCode,
                    ran.toMillis(),
                    DELAY.toSeconds());
        }
        notifyAll();
    }

    /**
     * Returns once a pass has read what the access logs hold now (at once if nothing changed
     * since the last pass), or after {@link #CATCH_UP_LIMIT}.
     */
    synchronized void catchUp() throws InterruptedException {
        if (look().equals(applied)) {
            return;
        }
        long until = passesEnded + (passRunning ? 2 : 1); // a pass running now may have started before the change
        catchUpAsked = true;
        notifyAll();
        long deadline = System.nanoTime() + CATCH_UP_LIMIT.toNanos();
        while (passesEnded < until) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                LOG.warn("the logger did not catch up within {} s; cleaning anyway", CATCH_UP_LIMIT.toSeconds());
                return;
            }
            wait(left);
        }
    }

    /** Every access log in the log dir that holds anything, with its size and last change. */
    Map<String, Seen> look() {
        Map<String, Seen> seen = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(
                logDir, p -> LogDirLayout.isAccessLog(p.getFileName().toString()))) {
            for (Path file : files) {
                try {
                    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                    seen.put(
                            file.getFileName().toString(),
                            new Seen(a.size(), a.lastModifiedTime().toMillis()));
                } catch (NoSuchFileException rotatedAway) {
                    // seen again at the next look
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list {}: {}", logDir, Reasons.of(e));
        }
        return seen;
    }
}
