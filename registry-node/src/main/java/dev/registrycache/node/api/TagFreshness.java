package dev.registrycache.node.api;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * When the upstream last confirmed each tag (TAG_TTL): within the TTL a pull by tag is answered
 * from the store without asking the upstream. Kept in memory, for the most recently confirmed
 * tags only (a bounded map): a tag it has forgotten, or a node that restarted, asks again.
 */
final class TagFreshness {
    /** Tags remembered at most; each costs about 200 bytes. */
    static final int CAPACITY = 10_000;

    private record Confirmed(Digest digest, long atNanos) {}

    private final long ttlNanos;
    private final LongSupplier clock;
    private final Map<String, Confirmed> confirmed = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Confirmed> eldest) {
            return size() > CAPACITY;
        }
    };

    TagFreshness(Duration ttl, LongSupplier clock) {
        this.ttlNanos = ttl.toNanos();
        this.clock = clock;
    }

    /** The digest the upstream gave for the tag less than the TTL ago, or null. */
    synchronized Digest fresh(RepositoryName name, Tag tag) {
        if (ttlNanos <= 0) {
            return null;
        }
        Confirmed c = confirmed.get(key(name, tag));
        return c != null && clock.getAsLong() - c.atNanos() < ttlNanos ? c.digest() : null;
    }

    /** The upstream said now that the tag points at {@code digest}. */
    synchronized void confirmed(RepositoryName name, Tag tag, Digest digest) {
        if (ttlNanos > 0) {
            confirmed.put(key(name, tag), new Confirmed(digest, clock.getAsLong()));
        }
    }

    /** The upstream no longer confirms the tag (it answered that the tag does not exist). */
    synchronized void forget(RepositoryName name, Tag tag) {
        confirmed.remove(key(name, tag));
    }

    private static String key(RepositoryName name, Tag tag) {
        return name + ":" + tag;
    }
}
