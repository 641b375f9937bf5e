package dev.registrycache.common.store;

import java.time.Duration;
import java.time.Instant;

/**
 * A lease as its holder took it: who, and until when. A holder takes a lease for one term from
 * its own clock's now, so a lease rightly runs at most one term ahead of any clock, give or take
 * the clocks' disagreement (which must stay well within a term). One that runs further ahead
 * than two terms is stale whatever it says: a replica whose clock ran ahead left it when it died,
 * or it was written wrong ({@code ghost 99999999999999}), and honoured it would stop every
 * cleaner for as long as it says.
 */
record Lease(String holder, long expiresMillis) {

    /** Whether the lease still runs at {@code now}: it has not expired, nor does it {@link #runsImplausiblyFar run implausibly far}. */
    boolean runsAt(Instant now, Duration term) {
        return expiresMillis > now.toEpochMilli() && !runsImplausiblyFar(now, term);
    }

    /** Whether it runs further ahead of {@code now} than one term of lease and one of clock skew. */
    boolean runsImplausiblyFar(Instant now, Duration term) {
        return expiresMillis > now.toEpochMilli() + 2 * term.toMillis();
    }
}
