package dev.registrycache.cleaner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.store.InMemoryDatastore;
import dev.registrycache.testsupport.TestClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The turn to clean among replicas sharing a datastore, over the in-memory datastore and a test clock. */
class CleanerLeaseTest {
    private static final Duration TERM = Duration.ofMinutes(2);
    private final InMemoryDatastore store = new InMemoryDatastore();
    private final TestClock clock = new TestClock(Instant.parse("2026-12-01T00:00:00Z"));

    private CleanerLease lease(String holder) {
        return new CleanerLease(store, holder, TERM, clock, false);
    }

    @Test
    void oneReplicaCleansAndAStoppedOneHandsTheTurnOnAtOnce() {
        try (CleanerLease a = lease("replica-a");
                CleanerLease b = lease("replica-b")) {
            assertEquals(CleanerLease.Turn.THIS_CLEANER, a.acquire());
            assertEquals(CleanerLease.Turn.ANOTHER_REPLICA, b.acquire(), "a's turn");
            clock.advance(TERM.minusMillis(1));
            a.renew();
            clock.advance(TERM.minusMillis(1));
            assertEquals(CleanerLease.Turn.ANOTHER_REPLICA, b.acquire(), "a renewed within its term");
            assertTrue(a.held());
            a.close();
            assertEquals(
                    CleanerLease.Turn.THIS_CLEANER, b.acquire(), "released at a's stop: b need not wait for the term");
        }
    }

    @Test
    void aDeadHoldersTurnPassesAfterItsTermAndItStopsDeletingIfItComesBack() {
        try (CleanerLease a = lease("replica-a");
                CleanerLease b = lease("replica-b")) {
            assertEquals(CleanerLease.Turn.THIS_CLEANER, a.acquire());
            clock.advance(TERM.minusMillis(1));
            assertEquals(CleanerLease.Turn.ANOTHER_REPLICA, b.acquire(), "not yet expired");
            clock.advance(Duration.ofMillis(2)); // a stalled (or died) and did not renew
            assertEquals(CleanerLease.Turn.THIS_CLEANER, b.acquire());
            a.renew(); // a wakes up
            assertFalse(a.held(), "a pass of a in progress stops deleting");
            assertEquals(CleanerLease.Turn.ANOTHER_REPLICA, a.acquire(), "b's turn now");
        }
    }
}
