package dev.registrycache.cleaner;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.settings.ByteSize;
import dev.registrycache.common.store.InMemoryDatastore;
import dev.registrycache.testsupport.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner's service loop, driven step by step on a test clock over the in-memory datastore. */
class CleaningLoopTest {
    private static final Duration EVERY = Duration.ofMinutes(30);
    private static final Duration TERM = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final InMemoryDatastore store = new InMemoryDatastore(clock);
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final Metrics metrics = new Metrics();

    private CleaningLoop loop(CleanerLease lease) {
        Cleaner cleaner = new Cleaner(
                store,
                ByteSize.ofBytes(1000),
                20,
                Duration.ZERO,
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        return new CleaningLoop(cleaner, lease, EVERY, metrics, dir.resolve("cleaner.prom"), clock::nanoTime);
    }

    private boolean cleaned() {
        return printed.toString(StandardCharsets.UTF_8).contains("cleaner: store");
    }

    @Test
    void aCleanerThatFindsTheLeaseHeldAsksAgainAfterItsTermNotAfterAWholePeriod() {
        // a replica that died holding the lease, as one killed with its supervisor did
        assertTrue(store.holdLease(CleanerLease.NAME, "dead-replica", clock.instant(), TERM));
        try (CleanerLease lease = new CleanerLease(store, "replica-a", TERM, clock, false)) {
            CleaningLoop loop = loop(lease);
            Instant start = clock.instant();
            while (!cleaned() && clock.instant().isBefore(start.plus(EVERY))) {
                clock.advance(loop.step()); // the wait the loop asks for, on the test clock
            }
            assertTrue(
                    cleaned() && !clock.instant().isAfter(start.plus(TERM).plus(CleaningLoop.SIZE_REFRESH)),
                    "the first pass came " + Duration.between(start, clock.instant())
                            + " after the lease was found held: expected one term (" + TERM
                            + ") later, not a whole CLEANER_RUNEVERY_TIME (" + EVERY + ")");
        }
    }

    @Test
    void itsMetricsGiveTheSizeItCleansDownToAndTheSizeAboveWhichItCleans() {
        try (CleanerLease lease = new CleanerLease(store, "replica-a", TERM, clock, false)) {
            loop(lease).step();
            String text = metrics.render();
            // CLEANER_MAXSIZE 1000 and CLEANER_THRESHOLD_PERCENTAGE 20: a pass deletes when the store holds more than
            // 1200
            assertTrue(text.contains("\nregistry_cache_store_max_bytes 1000\n"), text);
            assertTrue(text.contains("\nregistry_cache_store_threshold_bytes 1200\n"), text);
        }
    }
}
