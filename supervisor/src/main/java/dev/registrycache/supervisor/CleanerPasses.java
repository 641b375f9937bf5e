package dev.registrycache.supervisor;

import dev.registrycache.cleaner.CleanerCommand;
import dev.registrycache.common.settings.CleanerSettings;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cleaner as a process per pass ({@code cleaner --scheduled}), as the original's cleaner ran
 * in a loop under supervisord: no cleaner JVM stays in memory between passes. The first pass
 * runs once the cache is ready, the next ones every CLEANER_RUNEVERY_TIME, as the cleaner's own
 * loop runs them; a pass that found the lease held (a CronJob's {@code cleaner --once} cleaning)
 * is tried again after the lease's term, one that failed after a whole period. Before each pass
 * the logger catches up on the access logs, so that the pass sees every use up to its start.
 */
final class CleanerPasses implements Turns {
    private static final Logger LOG = LoggerFactory.getLogger(CleanerPasses.class);

    private final Duration every;
    private final Duration leaseTerm;
    private final Catchup beforePass;
    private final LongSupplier nanoTime;
    private long next;

    /** What must happen before a pass: the logger's catching up. */
    interface Catchup {
        void run() throws InterruptedException;
    }

    /**
     * @param settings   the cleaner's settings; CLEANER_RUNEVERY_TIME must not be off
     * @param beforePass run right before each pass
     * @param nanoTime   the time, as {@link System#nanoTime()}
     */
    CleanerPasses(CleanerSettings settings, Catchup beforePass, LongSupplier nanoTime) {
        if (settings.runEvery() == null) {
            throw new IllegalArgumentException("CLEANER_RUNEVERY_TIME is off: no passes to run");
        }
        this.every = settings.runEvery();
        this.leaseTerm = settings.leaseTerm();
        this.beforePass = beforePass;
        this.nanoTime = nanoTime;
        this.next = nanoTime.getAsLong();
    }

    /** How long until the next pass is due (zero when due). */
    Duration untilNext() {
        return Duration.ofNanos(Math.max(0, next - nanoTime.getAsLong()));
    }

    @Override
    public void awaitTurn() throws InterruptedException {
        for (long ms = untilNext().toMillis(); ms > 0; ms = untilNext().toMillis()) {
            Thread.sleep(ms);
        }
        beforePass.run();
    }

    @Override
    public void exited(int exitCode, Duration ran) {
        Duration wait = exitCode == CleanerCommand.LEASE_HELD && leaseTerm.compareTo(every) < 0 ? leaseTerm : every;
        next = nanoTime.getAsLong() + wait.toNanos();
        if (exitCode != 0 && exitCode != CleanerCommand.LEASE_HELD) {
            LOG.warn(
                    "cleaning pass exited with code {} after {} ms; the next pass in {} s",
                    exitCode,
                    ran.toMillis(),
                    wait.toSeconds());
        }
    }
}
