package dev.registrycache.node.api;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.http.CacheOutcome;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.ManifestLimitException;
import dev.registrycache.common.oci.ManifestSummary;
import dev.registrycache.common.oci.MediaTypes;
import dev.registrycache.common.oci.NameMapping;
import dev.registrycache.common.oci.Reference;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.node.upstream.UpstreamException;
import dev.registrycache.node.upstream.UpstreamResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves manifests. By digest: the store first (for a repository it is not linked to yet, once
 * {@link RepositoryLinks} allows), else the upstream. By tag: from the store when the upstream
 * confirmed the tag within TAG_TTL or is known to be unwell ({@link TagChecks}); else ask the
 * upstream with HEAD (which Docker Hub does not count against its rate limit), within the tag
 * deadline when the tag is cached, and GET only a digest the store lacks; when the upstream
 * fails, answer from the tag as last cached. Bytes are stored and served exactly as
 * received, after checking them against their digest. Every manifest a request holds in memory
 * counts against the node's {@link BodyBudget} until its response is written; what the cache needs
 * of the bytes is read by {@link ManifestSummary}, in bounded memory. A quarantined digest
 * ({@link Quarantines}) is refused whichever way it is reached: asked by digest, or the digest a
 * tag resolves to (fresh, stale or from the upstream); the refusal is the answer then, never an
 * older digest of the tag, and a quarantined manifest is never stored.
 */
public final class ManifestService {
    private static final Logger LOG = LoggerFactory.getLogger(ManifestService.class);
    static final String ACCEPT = String.join(", ", MediaTypes.ACCEPTED_MANIFESTS);

    /** A manifest's exact bytes with its digest and media type. */
    public record Manifest(Digest digest, byte[] bytes, String mediaType) {}

    /** A manifest and how it was obtained. */
    public record Resolved(Manifest manifest, CacheOutcome outcome) {}

    private final Datastore store;
    private final UpstreamClient upstream;
    private final RepositoryLinks links;
    private final ManifestCache memory;
    private final TagChecks tagChecks;
    private final Quarantines quarantines;

    public ManifestService(
            Datastore store,
            UpstreamClient upstream,
            RepositoryLinks links,
            ManifestCache memory,
            TagChecks tagChecks) {
        this.store = store;
        this.upstream = upstream;
        this.links = links;
        this.memory = memory;
        this.tagChecks = tagChecks;
        this.quarantines = new Quarantines(store);
    }

    /** The manifest; its bytes are reserved in {@code share} until the caller has sent them. */
    public Resolved resolve(NameMapping.Names names, Reference reference, BodyBudget.Share share) {
        return reference.isDigest() ? byDigest(names, reference.digest(), share) : byTag(names, reference.tag(), share);
    }

    private Resolved byDigest(NameMapping.Names names, Digest digest, BodyBudget.Share share) {
        unlessQuarantined(digest); // before the memory, the store and the upstream
        Manifest local = stored(digest, share);
        if (local != null) {
            links.requireManifest(names, digest);
            return new Resolved(local, CacheOutcome.HIT);
        }
        try {
            Manifest fetched = fetch(names, digest.toString(), digest, share);
            save(names.store(), fetched, null);
            return new Resolved(fetched, CacheOutcome.MISS);
        } catch (UpstreamException e) {
            throw e.toRegistryException(ErrorCode.MANIFEST_UNKNOWN);
        }
    }

    private Resolved byTag(NameMapping.Names names, Tag tag, BodyBudget.Share share) {
        Manifest fresh = storedOrNull(unlessQuarantined(tagChecks.freshness().fresh(names.store(), tag)), share);
        if (fresh != null) {
            return new Resolved(fresh, CacheOutcome.HIT); // confirmed by the upstream within TAG_TTL
        }
        Digest cached = store.taggedDigest(names.store(), tag);
        if (tagChecks.health().unwell()) {
            Manifest local = cachedTag(names, tag, share);
            if (local != null) {
                return new Resolved(local, CacheOutcome.STALE); // the upstream is not asked while unwell
            }
        }
        try {
            // holding the tag, the cache waits for the upstream only until the deadline
            Digest current = headDigest(names, tag, cached != null ? tagChecks.deadline() : null);
            tagChecks.health().answered();
            unlessQuarantined(current); // the tag's answer now: the refusal, not the digest cached before
            if (current != null) {
                Manifest local = stored(current, share);
                if (local != null) {
                    // the upstream's answer for the tag confirms the repository holds the manifest
                    RepositoryLinks.bestEffort(names, current, () -> {
                        store.linkManifest(names.store(), current);
                        store.tag(names.store(), tag, current);
                    });
                    tagChecks.freshness().confirmed(names.store(), tag, current);
                    return new Resolved(local, CacheOutcome.HIT);
                }
            }
            Manifest fetched = fetch(names, current != null ? current.toString() : tag.toString(), current, share);
            save(names.store(), fetched, tag);
            tagChecks.freshness().confirmed(names.store(), tag, fetched.digest());
            return new Resolved(fetched, CacheOutcome.MISS);
        } catch (UpstreamException e) {
            tagChecks.failed(names.store(), tag, e);
            if (e.isOutage()) {
                Manifest local = cachedTag(names, tag, share);
                if (local != null) {
                    LOG.info(
                            "upstream failed for {}:{} ({}); serving the cached tag",
                            names.upstream(),
                            tag,
                            e.getMessage());
                    return new Resolved(local, CacheOutcome.STALE);
                }
            }
            throw e.toRegistryException(ErrorCode.MANIFEST_UNKNOWN);
        }
    }

    /**
     * {@code digest} (null stays null), unless it is quarantined: then the clients' refusal is
     * thrown. One look-up in the store each time, so that a quarantine another replica wrote holds
     * from the next request on.
     */
    private Digest unlessQuarantined(Digest digest) {
        if (digest != null) {
            quarantines.refuseIfQuarantined(digest);
        }
        return digest;
    }

    /**
     * The manifest the tag points at in the cache, for a stale answer; null if it is not stored.
     * Refused if that digest is quarantined, stored or not (the quarantine deleted its bytes): the
     * tag's answer is the refusal, not an older digest nor a miss.
     */
    private Manifest cachedTag(NameMapping.Names names, Tag tag, BodyBudget.Share share) {
        return storedOrNull(unlessQuarantined(store.tagTarget(names.store(), tag)), share);
    }

    private Manifest storedOrNull(Digest digest, BodyBudget.Share share) {
        return digest == null ? null : stored(digest, share);
    }

    /** The digest the upstream's tag points at, or null if the upstream's HEAD does not say. */
    private Digest headDigest(NameMapping.Names names, Tag tag, java.time.Duration deadline) throws UpstreamException {
        Map<String, String> accept = Map.of("Accept", ACCEPT);
        String path = path(names, tag.toString());
        try (UpstreamResponse r = UpstreamClient.expectSuccess(
                deadline == null
                        ? upstream.send("HEAD", path, names.upstream(), accept)
                        : upstream.send("HEAD", path, names.upstream(), accept, deadline))) {
            String d = r.header("Docker-Content-Digest");
            if (d == null) {
                return null;
            }
            try {
                return Digest.parse(d.trim());
            } catch (InvalidValueException e) {
                return null;
            }
        }
    }

    private Manifest fetch(NameMapping.Names names, String reference, Digest expected, BodyBudget.Share share)
            throws UpstreamException {
        try (UpstreamResponse r = UpstreamClient.expectSuccess(
                upstream.send("GET", path(names, reference), names.upstream(), Map.of("Accept", ACCEPT)))) {
            long declared = r.contentLength();
            // without a length, reading gathers the body in pieces, then copies them into one array
            long reserved =
                    declared < 0 ? 2L * ManifestSummary.MAX_BYTES : Math.min(declared, ManifestSummary.MAX_BYTES);
            share.reserve(reserved);
            byte[] bytes = r.readBody(ManifestSummary.MAX_BYTES);
            share.release(reserved - bytes.length);
            Digest actual = Digest.sha256Of(bytes);
            Digest claimed = expected;
            if (claimed == null && r.header("Docker-Content-Digest") != null) {
                try {
                    claimed = Digest.parse(r.header("Docker-Content-Digest").trim());
                } catch (InvalidValueException e) {
                    claimed = null;
                }
            }
            if (claimed != null && claimed.algorithm() != actual.algorithm()) {
                actual =
                        Digest.fromHash(claimed.algorithm(), claimed.newHasher().digest(bytes));
            }
            if (claimed != null && !claimed.equals(actual)) {
                throw new UpstreamException(
                        UpstreamException.Kind.INVALID_RESPONSE,
                        r.status(),
                        "upstream manifest does not match digest " + claimed,
                        -1,
                        null);
            }
            String mediaType = mediaTypeOf(bytes, actual);
            if (mediaType == null) {
                String contentType = r.header("Content-Type");
                mediaType = contentType == null ? MediaTypes.OCI_MANIFEST : contentType.split(";")[0].trim();
            }
            return new Manifest(actual, bytes, mediaType);
        } catch (IOException e) {
            share.releaseHeld(); // nothing was read: the cached tag may be served instead
            throw new UpstreamException(
                    UpstreamException.Kind.UNAVAILABLE,
                    0,
                    "reading the manifest from upstream failed: " + Reasons.of(e),
                    -1,
                    e);
        }
    }

    /** Stores a manifest fetched from the upstream: never one quarantined (perhaps while it was fetched). */
    private void save(RepositoryName storeName, Manifest m, Tag tag) {
        unlessQuarantined(m.digest());
        try {
            store.putBlob(storeName, m.digest(), m.bytes());
            store.linkManifest(storeName, m.digest());
            if (tag != null) {
                store.tag(storeName, tag, m.digest());
            }
            memory.put(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The media type the bytes tell; throws MANIFEST_INVALID for a manifest beyond what the cache reads. */
    private static String mediaTypeOf(byte[] bytes, Digest digest) {
        try {
            return ManifestSummary.mediaTypeOf(bytes);
        } catch (ManifestLimitException e) {
            throw new RegistryException(
                    ErrorCode.MANIFEST_INVALID,
                    "manifest " + digest + " is refused: " + e.getMessage(),
                    Map.of("digest", digest.toString()));
        }
    }

    /**
     * The stored manifest, whichever repositories it is linked to, its bytes reserved in
     * {@code share}; null if the store lacks it or holds one the cache no longer serves.
     */
    private Manifest stored(Digest digest, BodyBudget.Share share) {
        Manifest m = memory.get(digest);
        long size = store.blobSize(digest);
        if (m == null || size < 0) {
            if (size < 0 || size > ManifestSummary.MAX_BYTES) {
                memory.remove(digest);
                return null;
            }
            share.reserve(size);
            byte[] bytes;
            try {
                bytes = store.readBlob(digest, ManifestSummary.MAX_BYTES);
            } catch (java.io.IOException e) {
                share.release(size);
                throw new java.io.UncheckedIOException(e);
            }
            String mediaType = null;
            try {
                mediaType = bytes == null ? null : ManifestSummary.mediaTypeOf(bytes);
            } catch (ManifestLimitException e) {
                LOG.warn("stored manifest {} is beyond what the cache serves: {}", digest, e.getMessage());
            }
            if (mediaType == null) {
                share.release(size);
                return null;
            }
            m = new Manifest(digest, bytes, mediaType);
            memory.put(m);
        } else {
            share.reserve(m.bytes().length);
        }
        return m;
    }

    private static String path(NameMapping.Names names, String reference) {
        return "/v2/" + names.upstream() + "/manifests/" + reference;
    }
}
