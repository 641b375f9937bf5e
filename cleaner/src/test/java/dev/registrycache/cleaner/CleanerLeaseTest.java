package dev.registrycache.cleaner;

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
            assertTrue(a.acquire());
            assertFalse(b.acquire(), "a's turn");
            clock.advance(TERM.minusMillis(1));
            a.renew();
            clock.advance(TERM.minusMillis(1));
            assertFalse(b.acquire(), "a renewed within its term");
            assertTrue(a.held());
            a.close();
            assertTrue(b.acquire(), "released at a's stop: b need not wait for the term");
        }
    }

    @Test
    void aDeadHoldersTurnPassesAfterItsTermAndItStopsDeletingIfItComesBack() {
        try (CleanerLease a = lease("replica-a");
                CleanerLease b = lease("replica-b")) {
            assertTrue(a.acquire());
            clock.advance(TERM.minusMillis(1));
            assertFalse(b.acquire(), "not yet expired");
            clock.advance(Duration.ofMillis(2)); // a stalled (or died) and did not renew
            assertTrue(b.acquire());
            a.renew(); // a wakes up
            assertFalse(a.held(), "a pass of a in progress stops deleting");
            assertFalse(a.acquire(), "b's turn now");
        }
    }
}
