package dev.registrycache.common;

import java.nio.file.Path;
import java.util.UUID;

/**
 * The one place that maps datastore objects to paths, in distribution's filesystem layout so
 * that a stock {@code registry:2} can serve a copy of the store:
 *
 * <pre>
 * &lt;data-dir&gt;/docker/registry/v2/
 *   blobs/&lt;alg&gt;/&lt;hex[0:2]&gt;/&lt;hex&gt;/data                         layers, configs, manifests
 *   repositories/&lt;name&gt;/
 *     _layers/&lt;alg&gt;/&lt;hex&gt;/link                              blob linked into the repository
 *     _manifests/revisions/&lt;alg&gt;/&lt;hex&gt;/link                  manifest known to the repository
 *     _manifests/tags/&lt;tag&gt;/current/link                     digest the tag points at now
 *     _manifests/tags/&lt;tag&gt;/index/&lt;alg&gt;/&lt;hex&gt;/link           every digest the tag pointed at
 *     _uploads/&lt;id&gt;/data                                     a blob being fetched (not yet verified)
 * </pre>
 *
 * Every link file holds exactly {@code <alg>:<hex>} with no newline. Names carry the registry
 * prefix ({@code quay.io/podman/hello}), so upstreams never collide while one blob is stored once.
 * Every argument is a validated value type, so no path can leave the store.
 */
public final class StoreLayout {
    private final Path root;

    public StoreLayout(Path dataDir) {
        this.root = dataDir.toAbsolutePath().normalize().resolve("docker").resolve("registry").resolve("v2");
    }

    /** {@code <data-dir>/docker/registry/v2}. */
    public Path root() {
        return root;
    }

    public Path blobsRoot() {
        return root.resolve("blobs");
    }

    public Path repositoriesRoot() {
        return root.resolve("repositories");
    }

    public Path blobDir(Digest digest) {
        return blobsRoot().resolve(digest.algorithm().id()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    public Path blobData(Digest digest) {
        return blobDir(digest).resolve("data");
    }

    public Path repository(RepositoryName name) {
        Path p = repositoriesRoot();
        for (String component : name.components()) {
            p = p.resolve(component);
        }
        return p;
    }

    public Path layerLink(RepositoryName name, Digest digest) {
        return repository(name).resolve("_layers").resolve(digest.algorithm().id()).resolve(digest.hex()).resolve("link");
    }

    public Path manifestRevisionLink(RepositoryName name, Digest digest) {
        return repository(name).resolve("_manifests").resolve("revisions").resolve(digest.algorithm().id())
                .resolve(digest.hex()).resolve("link");
    }

    public Path tagsDir(RepositoryName name) {
        return repository(name).resolve("_manifests").resolve("tags");
    }

    public Path tagDir(RepositoryName name, Tag tag) {
        return tagsDir(name).resolve(tag.toString());
    }

    public Path tagCurrentLink(RepositoryName name, Tag tag) {
        return tagDir(name, tag).resolve("current").resolve("link");
    }

    public Path tagIndexLink(RepositoryName name, Tag tag, Digest digest) {
        return tagDir(name, tag).resolve("index").resolve(digest.algorithm().id()).resolve(digest.hex()).resolve("link");
    }

    public Path uploadsDir(RepositoryName name) {
        return repository(name).resolve("_uploads");
    }

    public Path uploadData(RepositoryName name, UUID id) {
        return uploadsDir(name).resolve(id.toString()).resolve("data");
    }
}
