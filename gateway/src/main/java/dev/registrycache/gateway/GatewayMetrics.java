package dev.registrycache.gateway;

import dev.registrycache.common.Metrics;

/** Every metric the gateway reports besides its access log's (blobs answered from the datastore). */
record GatewayMetrics(Metrics.Counter requests) {

    static GatewayMetrics in(Metrics metrics) {
        return new GatewayMetrics(metrics.counter(
                "registry_cache_gateway_requests_total", "Requests the gateway answered, by status", "code"));
    }
}
