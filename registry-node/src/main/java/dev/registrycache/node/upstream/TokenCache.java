package dev.registrycache.node.upstream;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Bearer tokens per scope, reused until shortly before they expire. */
final class TokenCache {
    /** Tokens are dropped this long before their stated expiry, so none expires in flight. */
    private static final long MARGIN_SECONDS = 10;

    private record Entry(String token, Instant expires) {}

    private final Map<String, Entry> tokens = new ConcurrentHashMap<>();
    private final Clock clock;

    TokenCache(Clock clock) {
        this.clock = clock;
    }

    String get(String scope) {
        Entry e = tokens.get(scope);
        if (e == null) {
            return null;
        }
        if (!clock.instant().isBefore(e.expires)) {
            tokens.remove(scope, e);
            return null;
        }
        return e.token;
    }

    void put(String scope, String token, long expiresInSeconds) {
        long lifetime = Math.max(0, expiresInSeconds - MARGIN_SECONDS);
        tokens.put(scope, new Entry(token, clock.instant().plusSeconds(lifetime)));
        if (tokens.size() > 10_000) {
            Instant now = clock.instant();
            tokens.values().removeIf(x -> !now.isBefore(x.expires));
        }
    }
}
