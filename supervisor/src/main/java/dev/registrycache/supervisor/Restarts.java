package dev.registrycache.supervisor;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The turns of a service (a node, the gateway): it runs at once, and again after each exit,
 * with capped exponential back-off while it keeps failing, loudly after {@link #LOUD_AFTER}
 * failures in a row.
 */
final class Restarts implements Turns {
    private static final Logger LOG = LoggerFactory.getLogger(Restarts.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A child that ran this long before exiting counts as healthy: its back-off starts over. */
    static final Duration STABLE = Duration.ofSeconds(30);
    /** After this many failures in a row the supervisor says so loudly. */
    static final int LOUD_AFTER = 5;

    private final String name;
    private final Runnable onRestart;
    private Duration backoff = FIRST_BACKOFF;
    private Duration wait = Duration.ZERO;
    private int failuresInARow;

    /** {@code onRestart}: called each time the child is to be started again. */
    Restarts(String name, Runnable onRestart) {
        this.name = name;
        this.onRestart = onRestart;
    }

    @Override
    public void awaitTurn() throws InterruptedException {
        Thread.sleep(wait.toMillis());
    }

    @Override
    public void exited(int exitCode, Duration ran) {
        if (ran.compareTo(STABLE) >= 0) {
            backoff = FIRST_BACKOFF;
            failuresInARow = 0;
        }
        failuresInARow++;
        onRestart.run();
        if (failuresInARow >= LOUD_AFTER) {
            LOG.error(
                    "{} keeps failing: {} exits in a row, the last with code {}; starting it again in {} ms "
                            + "(the other components keep serving)",
                    name,
                    failuresInARow,
                    exitCode,
                    backoff.toMillis());
        } else {
            LOG.warn(
                    "{} exited with code {} after {} ms; starting it again in {} ms",
                    name,
                    exitCode,
                    ran.toMillis(),
                    backoff.toMillis());
        }
        wait = backoff;
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
}
