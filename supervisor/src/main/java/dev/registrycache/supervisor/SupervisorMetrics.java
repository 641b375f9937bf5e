package dev.registrycache.supervisor;

import dev.registrycache.common.Metrics;

/** Every metric the supervisor reports (in supervisor.prom, for the gateway's /metrics). */
record SupervisorMetrics(Metrics.Counter restarts) {

    static SupervisorMetrics in(Metrics metrics) {
        return new SupervisorMetrics(metrics.counter(
                "registry_cache_child_restarts_total",
                "Times the supervisor started a component again after it exited",
                "child"));
    }
}
