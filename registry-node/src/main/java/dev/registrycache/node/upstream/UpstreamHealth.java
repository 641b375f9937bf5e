package dev.registrycache.node.upstream;

import dev.registrycache.node.NodeMetrics;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the upstream is answering. Once a tag check fails as an outage (no answer within the
 * deadline, a refused or reset connection, a TLS or DNS failure, a 5xx, a 429), the upstream is
 * unwell: pulls by tag are answered at once from what the cache holds, instead of each waiting
 * for the upstream, while a background check asks the upstream every few seconds and ends that
 * state when it answers. Blobs are not concerned (they never change). One log line and one
 * metric change per state change.
 */
public final class UpstreamHealth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamHealth.class);
    /** How often an unwell upstream is checked. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(5);

    private final String registry;
    private final BooleanSupplier answers;
    private final NodeMetrics metrics;
    private final Duration checkEvery;
    private final ScheduledExecutorService checker;
    private ScheduledFuture<?> checks;
    private long unwellSince = -1;

    /** {@code answers}: asks the upstream once, true when it answered (any status but 5xx and 429). */
    public UpstreamHealth(String registry, BooleanSupplier answers, NodeMetrics metrics) {
        this(registry, answers, metrics, CHECK_EVERY);
    }

    UpstreamHealth(String registry, BooleanSupplier answers, NodeMetrics metrics, Duration checkEvery) {
        this.registry = registry;
        this.answers = answers;
        this.metrics = metrics;
        this.checkEvery = checkEvery;
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "upstream-check");
            t.setDaemon(true);
            return t;
        });
        metrics.upstreamUnwell().set(0, registry);
    }

    /** True while the upstream is known not to answer. */
    public synchronized boolean unwell() {
        return unwellSince >= 0;
    }

    /** A tag check failed as an outage: {@code why}, in words. */
    public synchronized void failed(String why) {
        if (unwellSince >= 0) {
            return;
        }
        unwellSince = System.nanoTime();
        metrics.upstreamUnwell().set(1, registry);
        metrics.upstreamUnwellChanges().labels(registry, "unwell").add(1);
        LOG.warn(
                "upstream {} is unwell ({}): pulls by tag are answered from the cache at once, without asking it, "
                        + "until it answers again (checked every {} s)",
                registry,
                why,
                checkEvery.toSeconds());
        checks = checker.scheduleWithFixedDelay(
                this::check, checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The upstream answered a request. */
    public synchronized void answered() {
        if (unwellSince < 0) {
            return;
        }
        long seconds = (System.nanoTime() - unwellSince) / 1_000_000_000L;
        unwellSince = -1;
        checks.cancel(false);
        metrics.upstreamUnwell().set(0, registry);
        metrics.upstreamUnwellChanges().labels(registry, "well").add(1);
        LOG.info("upstream {} answers again, after {} s unwell: pulls by tag ask it again", registry, seconds);
    }

    private void check() {
        if (answers.getAsBoolean()) {
            answered();
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }
}
