package dev.registrycache.node;

import dev.registrycache.common.Metrics;

/** Every metric a node reports besides its access log's requests and bytes served. */
public record NodeMetrics(
        Metrics.Counter upstreamResponses,
        Metrics.Histogram upstreamSeconds,
        Metrics.Counter upstreamBlobBytes,
        Metrics.Counter upstreamBlobsRefused,
        Metrics.Gauge uploadMemoryBytes,
        Metrics.Gauge upstreamUnwell,
        Metrics.Counter upstreamUnwellChanges,
        Metrics.Gauge upstreamRateLimit,
        Metrics.Gauge upstreamRateLimitRemaining,
        Metrics.Counter completionBytes,
        Metrics.Counter completionBlobs) {

    /**
     * The buckets of the upstream's answer times: from a registry next door (tens of
     * milliseconds) to one that makes the node wait for its token and its TLS handshake over a
     * slow link (seconds), up to the 30 s a node waits for response headers.
     */
    private static final double[] UPSTREAM_SECONDS_BOUNDS = {0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    public static NodeMetrics in(Metrics metrics) {
        return new NodeMetrics(
                metrics.counter(
                        "registry_cache_upstream_responses_total",
                        "Upstream answers by method and status; code \"unreachable\" when there was none",
                        "registry",
                        "method",
                        "code"),
                metrics.histogram(
                        "registry_cache_upstream_response_seconds",
                        "Time until the upstream's response headers arrived",
                        UPSTREAM_SECONDS_BOUNDS,
                        "registry",
                        "method"),
                metrics.counter(
                        "registry_cache_upstream_blob_bytes_total",
                        "Blob bytes downloaded from the upstream",
                        "registry"),
                metrics.counter(
                        "registry_cache_upstream_blobs_refused_total",
                        "Upstream blobs not stored because they did not match their digest",
                        "registry"),
                metrics.gauge(
                        "registry_cache_upload_memory_bytes",
                        "Bytes of blobs the datastore could not take, held in memory for the clients reading them",
                        "registry"),
                metrics.gauge(
                        "registry_cache_upstream_unwell",
                        "1 while the upstream fails to answer and pulls by tag are answered from the cache at once",
                        "registry"),
                metrics.counter(
                        "registry_cache_upstream_unwell_changes_total",
                        "Times the upstream was found unwell (state=\"unwell\") or answering again (state=\"well\")",
                        "registry",
                        "state"),
                metrics.gauge(
                        "registry_cache_upstream_ratelimit_limit",
                        "Requests the upstream allows per window, as its ratelimit-limit header says (Docker Hub)",
                        "registry"),
                metrics.gauge(
                        "registry_cache_upstream_ratelimit_remaining",
                        "Requests left in the upstream's window, as its ratelimit-remaining header says (Docker Hub)",
                        "registry"),
                metrics.counter(
                        "registry_cache_completion_bytes_total",
                        "Blob bytes fetched in the background to complete images clients pulled",
                        "registry"),
                metrics.counter(
                        "registry_cache_completion_blobs_total",
                        "Blobs fetched in the background to complete images (result fetched or failed)",
                        "registry",
                        "result"));
    }
}
