package dev.registrycache.node.api;

import dev.registrycache.common.Digest;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.NameMapping;
import dev.registrycache.node.store.Datastore;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.node.upstream.UpstreamException;
import dev.registrycache.node.upstream.UpstreamResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

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
            try {
                store.linkLayer(names.store(), digest);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Returns once the manifest is linked to the repository, confirming and linking it if need be. */
    void requireManifest(NameMapping.Names names, Digest digest) {
        if (!store.manifestLinked(names.store(), digest)) {
            confirm(names, "/manifests/" + digest, Map.of("Accept", ManifestService.ACCEPT), ErrorCode.MANIFEST_UNKNOWN);
            try {
                store.linkManifest(names.store(), digest);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
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
        try (UpstreamResponse r = UpstreamClient.expectSuccess(upstream.send("HEAD",
                "/v2/" + names.upstream() + path, names.upstream(), headers))) {
            return r.contentLength();
        } catch (UpstreamException e) {
            throw e.toRegistryException(notFound);
        }
    }
}
