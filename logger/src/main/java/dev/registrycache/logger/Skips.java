package dev.registrycache.logger;

import dev.registrycache.common.Metrics;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the logger could not handle and went past: a log line too long or failing, a manifest
 * beyond the limits. The logger never stops or retries on input: it skips it, counts it by
 * reason ({@link LoggerMetrics#skipped}), and logs the first skip of each reason only, so a flood
 * of bad lines is one log line and a number.
 */
final class Skips {
    private static final Logger LOG = LoggerFactory.getLogger(Skips.class);

    /** Why something was skipped: the metric's label. */
    enum Reason {
        /** A log line longer than any access record (what a crash may leave: a run of zero bytes). */
        LINE_TOO_LONG,
        /** Handling a line failed. */
        LINE_FAILED,
        /** A manifest beyond what the cache reads (too many references, too deep): its references are not followed. */
        MANIFEST_BEYOND_LIMITS,
        /** A use whose manifests reference more than one use may touch: the rest is not touched. */
        USE_OVER_BUDGET;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Metrics.Counter skipped;
    private final Set<Reason> logged = ConcurrentHashMap.newKeySet();
    private final AtomicLong count = new AtomicLong();

    Skips(LoggerMetrics metrics) {
        this.skipped = metrics.skipped();
    }

    void skip(Reason reason, String what) {
        skipped.labels(reason.label()).add(1);
        count.incrementAndGet();
        if (logged.add(reason)) {
            LOG.warn(
                    "skipping {}: {} (counted in {}{reason=\"{}\"}; further skips for this reason are counted, not logged)",
                    reason.label(),
                    what,
                    LoggerMetrics.SKIPPED_TOTAL,
                    reason.label());
        }
    }

    /** Skips so far, all reasons together. */
    long count() {
        return count.get();
    }
}
