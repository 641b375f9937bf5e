package dev.registrycache.node.api;

import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.node.upstream.UpstreamException;
import dev.registrycache.node.upstream.UpstreamHealth;
import java.time.Duration;

/**
 * What decides whether a pull by tag asks the upstream, and how long it waits: the tags the
 * upstream confirmed within TAG_TTL ({@link TagFreshness}), whether the upstream is unwell
 * ({@link UpstreamHealth}), and the deadline of a check for a tag the cache holds
 * (UPSTREAM_TAG_DEADLINE).
 */
public record TagChecks(TagFreshness freshness, UpstreamHealth health, Duration deadline) {
    /** For a node whose tags are trusted for {@code ttl}. */
    public static TagChecks of(Duration ttl, UpstreamHealth health, Duration deadline) {
        return new TagChecks(new TagFreshness(ttl, System::nanoTime), health, deadline);
    }

    /** A tag check failed with {@code e}: unwell on an outage of the upstream, forgotten on a 404. */
    void failed(RepositoryName name, Tag tag, UpstreamException e) {
        switch (e.kind()) {
            case UNAVAILABLE, TOO_MANY_REQUESTS -> health.failed(e.getMessage());
            case NOT_FOUND -> freshness.forget(name, tag);
            default -> {
                // the upstream answered (credentials, access, a bad answer): it is not unwell
            }
        }
    }
}
