package dev.registrycache.logger;

import dev.registrycache.common.Metrics;

/** Every metric the logger reports (in logger.prom, for the gateway's /metrics). */
record LoggerMetrics(Metrics.Counter skipped) {
    /** Named in the log line of a first skip, so that the operator knows where the rest are counted. */
    static final String SKIPPED_TOTAL = "registry_cache_logger_skipped_total";

    static LoggerMetrics in(Metrics metrics) {
        return new LoggerMetrics(metrics.counter(
                SKIPPED_TOTAL, "Log lines and manifests the logger could not handle and went past", "reason"));
    }
}
