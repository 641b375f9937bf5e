package dev.registrycache.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.common.Metrics;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final Metrics metrics = new Metrics();
    private final RateLimits limits = new RateLimits(
            "docker.io",
            metrics.gauge("limit", "l", "registry"),
            metrics.gauge("remaining", "r", "registry"),
            now::get);

    private void advanceSeconds(long s) {
        now.addAndGet(s * 1_000_000_000L);
    }

    @Test
    void a429BlocksForItsRetryAfterThenNoLonger() {
        assertEquals(0, limits.blockedSeconds());
        limits.observe(429, 20, null, null);
        assertEquals(20, limits.blockedSeconds());
        advanceSeconds(19);
        assertEquals(1, limits.blockedSeconds());
        advanceSeconds(1);
        assertEquals(0, limits.blockedSeconds());
    }

    @Test
    void a429WithoutRetryAfterBlocksForTheDefaultAndAShorterOneDoesNotShortenIt() {
        limits.observe(429, -1, null, null);
        assertEquals(RateLimits.DEFAULT_BLOCK_SECONDS, limits.blockedSeconds());
        limits.observe(429, 5, null, null);
        assertEquals(RateLimits.DEFAULT_BLOCK_SECONDS, limits.blockedSeconds());
        limits.observe(200, -1, null, null);
        assertEquals(RateLimits.DEFAULT_BLOCK_SECONDS, limits.blockedSeconds());
    }

    @Test
    void dockerHubsHeadersBecomeGauges() {
        limits.observe(200, -1, "100;w=21600", "76;w=21600");
        String text = metrics.render();
        assertEquals(true, text.contains("limit{registry=\"docker.io\"} 100"), text);
        assertEquals(true, text.contains("remaining{registry=\"docker.io\"} 76"), text);
        assertEquals(-1, RateLimits.leadingNumber("soon"));
        assertEquals(5, RateLimits.leadingNumber(" 5 "));
    }
}
