package dev.registrycache.node.api;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.NameMapping;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.node.upstream.UpstreamException;
import dev.registrycache.node.upstream.UpstreamResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether stored content may be served under the repository asked for. The store holds
 * each blob once for every repository, so finding a digest there says nothing about a name:
 * content is served under a repository that links it, or that the upstream confirms holds it (a
 * {@code HEAD} by digest with the node's credentials, as distribution's proxy asks), which then
 * links it. A name the upstream does not confirm gets the upstream's answer as an OCI error, and
 * nothing is written for it, so requests for made-up names cannot fill the datastore. When the
 * upstream cannot be asked, content not linked to the repository is refused; linked content
 * keeps being served.
 */
public final class RepositoryLinks {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryLinks.class);
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;
    private static final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS - 1);

    private final Datastore store;
    private final UpstreamClient upstream;

    public RepositoryLinks(Datastore store, UpstreamClient upstream) {
        this.store = store;
        this.upstream = upstream;
    }

    /** Returns once the blob is linked to the repository, confirming and linking it if need be. */
    void requireBlob(NameMapping.Names names, Digest digest) {
        if (!store.layerLinked(names.store(), digest)) {
            confirmBlob(names, digest);
            bestEffort(names, digest, () -> store.linkLayer(names.store(), digest));
        }
    }

    /** Returns once the manifest is linked to the repository, confirming and linking it if need be. */
    void requireManifest(NameMapping.Names names, Digest digest) {
        if (!store.manifestLinked(names.store(), digest)) {
            confirm(
                    names,
                    "/manifests/" + digest,
                    Map.of("Accept", ManifestService.ACCEPT),
                    ErrorCode.MANIFEST_UNKNOWN);
            bestEffort(names, digest, () -> store.linkManifest(names.store(), digest));
        }
    }

    /**
     * Asks the upstream whether the repository holds the blob, writing nothing; returns its size
     * (-1 if the upstream did not say), or throws the OCI error of the upstream's refusal.
     */
    long confirmBlob(NameMapping.Names names, Digest digest) {
        return confirm(names, "/blobs/" + digest, Map.of(), ErrorCode.BLOB_UNKNOWN);
    }

    private long confirm(NameMapping.Names names, String path, Map<String, String> headers, ErrorCode notFound) {
        try (UpstreamResponse r = UpstreamClient.expectSuccess(
                upstream.send("HEAD", "/v2/" + names.upstream() + path, names.upstream(), headers))) {
            return r.contentLength();
        } catch (UpstreamException e) {
            throw e.toRegistryException(notFound);
        }
    }

    /** A write of links or tags for content that is stored already. */
    interface LinkWrite {
        void run() throws IOException;
    }

    /**
     * Writes links for content already stored, or serves without them: a full disk (or any write
     * error) must not turn a hit into a 500. Without the link the next request asks the upstream
     * again. Logged at most once a minute.
     */
    static void bestEffort(NameMapping.Names names, Digest digest, LinkWrite write) {
        try {
            write.run();
        } catch (IOException | UncheckedIOException e) {
            long now = System.nanoTime();
            long last = lastWarning.get();
            if (now - last > WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
                LOG.warn(
                        "cannot write the link of {} in {} ({}); serving it without (a full disk?)",
                        digest,
                        names.store(),
                        Reasons.of(e));
            }
        }
    }
}
