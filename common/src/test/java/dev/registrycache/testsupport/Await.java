package dev.registrycache.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting on a condition in a test: polled, with a generous deadline, never a sleep as synchronization. */
public final class Await {
    private Await() {}

    /** Polls {@code condition} every 50 ms until it holds; fails naming {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
