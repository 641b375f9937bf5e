package dev.registrycache.node.upstream;

import dev.registrycache.common.Metrics;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream's rate limit as it tells it. A {@code 429} blocks every request to that upstream
 * until its {@code Retry-After} has passed (Docker Hub counts requests per account or address,
 * not per repository), so the cache does not spend the next allowance on requests that would be
 * refused too; meanwhile tags are answered from the cache and the rest gets {@code 429} with the
 * seconds left. Docker Hub's {@code ratelimit-limit} and {@code ratelimit-remaining} headers
 * ({@code 100;w=21600}) are exported as metrics, with one WARN when the remaining share falls
 * under a tenth (again after it has recovered past a fifth).
 */
public final class RateLimits {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimits.class);
    /** How long a 429 without a Retry-After blocks the upstream. */
    static final long DEFAULT_BLOCK_SECONDS = 30;

    private final String registry;
    private final Metrics.Gauge limit;
    private final Metrics.Gauge remaining;
    private final LongSupplier clock;
    private long blockedUntil;
    private boolean warnedLow;

    public RateLimits(String registry, Metrics.Gauge limit, Metrics.Gauge remaining, LongSupplier nanoClock) {
        this.registry = registry;
        this.limit = limit;
        this.remaining = remaining;
        this.clock = nanoClock;
        this.blockedUntil = nanoClock.getAsLong();
    }

    /** Seconds until the upstream may be asked again; 0 when it may be now. */
    public synchronized long blockedSeconds() {
        long left = blockedUntil - clock.getAsLong();
        return left <= 0 ? 0 : Math.max(1, (left + 999_999_999L) / 1_000_000_000L);
    }

    /** Notes a response: its status, {@code Retry-After} (seconds, -1 when absent) and rate-limit headers. */
    public synchronized void observe(int status, long retryAfterSeconds, String limitHeader, String remainingHeader) {
        if (status == 429) {
            long seconds = retryAfterSeconds > 0 ? retryAfterSeconds : DEFAULT_BLOCK_SECONDS;
            long until = clock.getAsLong() + seconds * 1_000_000_000L;
            if (until - blockedUntil > 0) {
                if (blockedSeconds() == 0) {
                    LOG.warn(
                            "upstream {} is rate limiting the cache (429): no request to it for {} s; tags are "
                                    + "answered from the cache, the rest with 429 and Retry-After",
                            registry,
                            seconds);
                }
                blockedUntil = until;
            }
        }
        long max = leadingNumber(limitHeader);
        long left = leadingNumber(remainingHeader);
        if (max > 0) {
            limit.set(max, registry);
        }
        if (left >= 0) {
            remaining.set(left, registry);
        }
        if (max > 0 && left >= 0) {
            if (!warnedLow && left * 10 < max) {
                warnedLow = true;
                LOG.warn(
                        "upstream {} allows {} more requests of {} in its rate-limit window: add credentials to the "
                                + "pull secret for a higher limit, or raise TAG_TTL",
                        registry,
                        left,
                        max);
            } else if (warnedLow && left * 5 > max) {
                warnedLow = false;
            }
        }
    }

    /** The number before any {@code ;} ({@code 100;w=21600}); -1 when absent or not a number. */
    static long leadingNumber(String header) {
        if (header == null) {
            return -1;
        }
        int semi = header.indexOf(';');
        try {
            return Long.parseLong((semi < 0 ? header : header.substring(0, semi)).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
