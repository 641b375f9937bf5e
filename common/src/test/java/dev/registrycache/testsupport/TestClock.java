package dev.registrycache.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that moves only when the test moves it, for code that takes a {@link Clock} (leases,
 * stale uploads, schedules): the test steps through minutes or hours without waiting for them.
 * {@link #nanoTime()} moves with it, for code that measures intervals as {@link System#nanoTime()}.
 */
public final class TestClock extends Clock {
    private volatile long millis;

    public TestClock(Instant start) {
        this.millis = start.toEpochMilli();
    }

    public void advance(Duration d) {
        millis += d.toMillis();
    }

    /** This clock as {@link System#nanoTime()} would tell it. */
    public long nanoTime() {
        return millis * 1_000_000;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
