package dev.registrycache.cleaner;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cleaner's life as a service: a pass every CLEANER_RUNEVERY_TIME while this replica has the
 * turn to clean (the {@link CleanerLease}), and between passes the store's size for the gauge,
 * every minute. A cleaner that finds the lease held asks again after the lease's term, not after
 * a whole period: by then a holder that died without giving it up (a host's crash) has lost it,
 * and on a host with no other replica the cleaner would otherwise wait 30 minutes to clean.
 * Its time comes from a clock of nanoseconds, so that a test can drive it step by step.
 */
final class CleaningLoop {
    /** How often registry_cache_store_bytes is measured between cleaning passes. */
    static final Duration SIZE_REFRESH = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(CleaningLoop.class);

    private final Cleaner cleaner;
    private final CleanerLease lease;
    private final Duration every;
    private final Metrics metrics;
    private final CleanerMetrics cleanerMetrics;
    private final Path metricsFile;
    private final LongSupplier nanoTime;
    private long nextPass;

    /**
     * @param every       CLEANER_RUNEVERY_TIME; null when off (a CronJob cleans): only the gauge
     * @param metricsFile where the metrics are written after each step
     * @param nanoTime    the time, as {@link System#nanoTime()}
     */
    CleaningLoop(
            Cleaner cleaner,
            CleanerLease lease,
            Duration every,
            Metrics metrics,
            Path metricsFile,
            LongSupplier nanoTime) {
        this.cleaner = cleaner;
        this.lease = lease;
        this.every = every;
        this.metrics = metrics;
        this.cleanerMetrics = CleanerMetrics.in(metrics);
        cleanerMetrics.maxBytes().set(cleaner.maxBytes());
        cleanerMetrics.thresholdBytes().set(cleaner.thresholdBytes());
        this.metricsFile = metricsFile;
        this.nanoTime = nanoTime;
        this.nextPass = nanoTime.getAsLong();
    }

    /** Runs until the process ends. */
    void run() throws InterruptedException {
        while (true) {
            Thread.sleep(step().toMillis());
        }
    }

    /** Does what is due now: a pass if its time has come, else a look at the store's size; returns how long to wait then. */
    Duration step() {
        try {
            boolean due = every != null && nanoTime.getAsLong() - nextPass >= 0;
            if (due && passIfThisCleanersTurn() != CleanerLease.Turn.THIS_CLEANER) {
                // another replica's turn, or the lease could not be read: look again once a lease taken now would end
                nextPass = nanoTime.getAsLong() + min(every, lease.term()).toNanos();
            } else if (due) {
                nextPass = nanoTime.getAsLong() + every.toNanos();
            } else {
                cleanerMetrics.storeBytes().set(cleaner.storeBytes()); // between passes the gauge follows the store
            }
            metrics.writeTo(metricsFile);
        } catch (Exception e) {
            LOG.warn("cleaning pass failed: {}", Reasons.of(e));
            nextPass = nanoTime.getAsLong() + (every == null ? 0 : every.toNanos());
        }
        long untilPass = every == null ? Long.MAX_VALUE : (nextPass - nanoTime.getAsLong()) / 1_000_000;
        return Duration.ofMillis(Math.max(1, Math.min(SIZE_REFRESH.toMillis(), untilPass)));
    }

    /**
     * A pass, if this cleaner gets the turn (the lease), counted in the metrics; returns whose
     * turn it was. The loop's passes, and the one pass of {@code cleaner --scheduled}.
     */
    CleanerLease.Turn passIfThisCleanersTurn() {
        CleanerLease.Turn turn = lease.acquire();
        if (turn == CleanerLease.Turn.THIS_CLEANER) {
            Cleaner.Pass pass = cleaner.run(false);
            cleanerMetrics.passes().labels().add(1);
            cleanerMetrics.evictedBlobs().labels().add(pass.deleted());
            cleanerMetrics.evictedBytes().labels().add(pass.freed());
            cleanerMetrics.storeBytes().set(pass.after());
            cleanerMetrics.pinnedImages().set(pass.marks().pinnedImages());
            cleanerMetrics.pinnedBytes().set(pass.marks().pinnedBytes());
            cleanerMetrics.quarantinedDigests().set(pass.marks().quarantined());
        }
        return turn;
    }

    /**
     * The one pass of a cleaner run as a process per pass ({@code cleaner --scheduled}): its
     * counters go on from the metrics file the previous pass wrote, and it writes them back.
     */
    CleanerLease.Turn singlePass() throws IOException {
        metrics.resumeCounters(metricsFile);
        CleanerLease.Turn turn = passIfThisCleanersTurn();
        metrics.writeTo(metricsFile);
        return turn;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
