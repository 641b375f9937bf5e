package dev.registrycache.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition by polling it, with a deadline generous enough for a busy two-core CI
 * machine: tests wait on what they need to see, never on a sleep that guesses how long it takes.
 */
public final class Await {
    /** How long a condition may take before the test fails. */
    public static final Duration DEADLINE = Duration.ofSeconds(60);

    private static final long POLL_MILLIS = 10;

    private Await() {}

    /** Polls {@code condition} until it holds; fails with {@code what} if it does not within {@link #DEADLINE}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEADLINE, condition);
    }

    /** Polls {@code condition} until it holds; fails with {@code what} if it does not within {@code deadline}. */
    public static void until(String what, Duration deadline, BooleanSupplier condition) {
        until(what, deadline, condition, () -> "");
    }

    /**
     * Polls {@code condition} until it holds; fails with {@code what}, and what {@code seen} tells
     * then (a process's output, a log), if it does not within {@code deadline}. A condition that
     * can no longer come true (the process it waits on died) fails at once by throwing.
     */
    public static void until(String what, Duration deadline, BooleanSupplier condition, Supplier<String> seen) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                String details = seen.get();
                throw new AssertionError("timed out after " + deadline.toSeconds() + " s waiting until " + what
                        + (details.isEmpty() ? "" : ":\n" + details));
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting until " + what, e);
            }
        }
    }
}
