package dev.registrycache.gateway;

import dev.registrycache.common.Metrics;

/** Every metric the gateway reports besides its access log's (blobs answered from the datastore). */
record GatewayMetrics(
        Metrics.Counter requests, Metrics.Counter peerForwards, Metrics.Counter peerRequests, Metrics.Gauge replicas) {

    static GatewayMetrics in(Metrics metrics) {
        return new GatewayMetrics(
                metrics.counter(
                        "registry_cache_gateway_requests_total", "Requests the gateway answered, by status", "code"),
                metrics.counter(
                        "registry_cache_peer_forwards_total",
                        "Blob GETs sent to the replica that owns the digest (result: forwarded; failed: refused, broke off or "
                                + "sent no headers in time, and re-routed; invalid: sent what is not the blob, and re-routed)",
                        "peer",
                        "result"),
                metrics.counter(
                        "registry_cache_peer_requests_total",
                        "Requests on the peer port (result: accepted, signed by a replica; refused; probe, another replica "
                                + "checking that this is a peer port)",
                        "result"),
                metrics.gauge(
                        "registry_cache_replicas",
                        "Replicas sharing the datastore as this gateway knows them (PEERS, or the addresses of its DNS "
                                + "name), itself included: 1 without PEERS"));
    }
}
