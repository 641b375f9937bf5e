package dev.registrycache.cleaner;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.store.Datastore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The turn to clean among replicas that share one datastore (pods on a ReadWriteMany volume):
 * the datastore's lease {@value #NAME}. A cleaner cleans only while it holds it; once taken it
 * renews it in the background every third of its term, so one replica keeps cleaning until it
 * stops or dies, and then the next that asks after the term takes over. A renewal that fails
 * (another replica took the lease: this one was stalled past the term) ends the turn at once,
 * and {@link #held()} tells a pass in progress to stop deleting. On one host alone the cleaner
 * always gets the lease.
 */
final class CleanerLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CleanerLease.class);
    static final String NAME = "cleaner";

    private final Datastore store;
    private final String holder;
    private final Duration term;
    private final Clock clock;
    private final ScheduledExecutorService renewer;
    private volatile boolean held;
    private long heldSince;
    private boolean toldWaiting;

    CleanerLease(Datastore store, String holder, Duration term, Clock clock) {
        this(store, holder, term, clock, true);
    }

    /** {@code renewInBackground} false: only calls of {@link #renew()} renew (tests). */
    CleanerLease(Datastore store, String holder, Duration term, Clock clock, boolean renewInBackground) {
        this.store = store;
        this.holder = holder;
        this.term = term;
        this.clock = clock;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cleaner-lease");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, term.toMillis() / 3);
        if (renewInBackground) {
            renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Whose turn to clean it is, as far as this cleaner can tell. */
    enum Turn {
        /** This cleaner holds the lease: it cleans. */
        THIS_CLEANER,
        /** Another replica's cleaner holds it. */
        ANOTHER_REPLICA,
        /** The lease could not be read or written; a WARN said why. */
        UNKNOWN
    }

    /** Whether this cleaner may clean now: takes the lease if it is free or stale. */
    synchronized Turn acquire() {
        if (held) {
            return Turn.THIS_CLEANER;
        }
        try {
            held = store.holdLease(NAME, holder, clock.instant(), term);
            heldSince = clock.millis();
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot take the cleaner lease: {}", Reasons.of(e));
            held = false;
            toldWaiting = false;
            return Turn.UNKNOWN;
        }
        if (held) {
            LOG.info("cleaner lease taken by {}: this replica cleans", holder);
            toldWaiting = false;
            return Turn.THIS_CLEANER;
        }
        if (!toldWaiting) {
            LOG.info("another replica holds the cleaner lease: this one waits its turn");
            toldWaiting = true;
        }
        return Turn.ANOTHER_REPLICA;
    }

    /** How long a lease runs unless renewed. */
    Duration term() {
        return term;
    }

    /** Whether the lease is still held (a pass in progress stops deleting when not). */
    boolean held() {
        return held;
    }

    /** Renews the lease if held (every third of the term, in the background). */
    synchronized void renew() {
        if (!held) {
            return;
        }
        try {
            held = store.holdLease(NAME, holder, clock.instant(), term);
            heldSince = clock.millis();
            if (!held) {
                LOG.warn("the cleaner lease passed to another replica; this one stops cleaning");
            }
        } catch (IOException | RuntimeException e) {
            // the volume did not answer: the turn lasts until the last renewal's term runs out
            LOG.warn("cannot renew the cleaner lease: {}", Reasons.of(e));
            if (clock.millis() - heldSince >= term.toMillis()) {
                held = false;
            }
        }
    }

    /** Stops renewing and gives the lease up, so another replica can clean at once. */
    @Override
    public synchronized void close() {
        renewer.shutdownNow();
        if (held) {
            held = false;
            try {
                store.releaseLease(NAME, holder);
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot release the cleaner lease: {}", Reasons.of(e));
            }
        }
    }
}
