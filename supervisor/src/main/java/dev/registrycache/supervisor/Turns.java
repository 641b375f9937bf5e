package dev.registrycache.supervisor;

import java.time.Duration;

/**
 * When a supervised child runs: a service again as soon as it has exited ({@link Restarts}), a
 * process per pass on its schedule ({@link CleanerPasses}, {@link LoggerPasses}). Called from
 * the child's own supervising thread, which is interrupted when the cache stops.
 */
interface Turns {
    /** Returns when the child is to run (again). */
    void awaitTurn() throws InterruptedException;

    /** The child ran for {@code ran} and exited with {@code exitCode}. */
    void exited(int exitCode, Duration ran);
}
