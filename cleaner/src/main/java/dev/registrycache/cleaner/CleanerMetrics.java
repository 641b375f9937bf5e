package dev.registrycache.cleaner;

import dev.registrycache.common.Metrics;

/** Every metric the cleaner reports (in cleaner.prom, for the gateway's /metrics). */
record CleanerMetrics(
        Metrics.Counter passes,
        Metrics.Counter evictedBlobs,
        Metrics.Counter evictedBytes,
        Metrics.Gauge storeBytes,
        Metrics.Gauge maxBytes,
        Metrics.Gauge thresholdBytes,
        Metrics.Gauge pinnedImages,
        Metrics.Gauge pinnedBytes,
        Metrics.Gauge quarantinedDigests) {

    static CleanerMetrics in(Metrics metrics) {
        return new CleanerMetrics(
                metrics.counter("registry_cache_cleaner_passes_total", "Cleaning passes run"),
                metrics.counter("registry_cache_evicted_blobs_total", "Blobs the cleaner deleted"),
                metrics.counter("registry_cache_evicted_bytes_total", "Bytes the cleaner freed"),
                metrics.gauge(
                        "registry_cache_store_bytes",
                        "Size of the blob store, with blobs being fetched, measured every minute"),
                metrics.gauge("registry_cache_store_max_bytes", "CLEANER_MAXSIZE"),
                metrics.gauge(
                        "registry_cache_store_threshold_bytes",
                        "Size above which a cleaning pass deletes (down to CLEANER_MAXSIZE): CLEANER_MAXSIZE plus "
                                + "CLEANER_THRESHOLD_PERCENTAGE"),
                metrics.gauge("registry_cache_pinned_images", "Images pinned, at the last cleaning pass"),
                metrics.gauge(
                        "registry_cache_pinned_bytes",
                        "Bytes of the pinned images' stored blobs, kept by the cleaner, at the last cleaning pass"),
                metrics.gauge(
                        "registry_cache_quarantined_digests", "Digests in quarantine, at the last cleaning pass"));
    }
}
