package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link StoreKeys} on a file system: each key resolved in a data dir, and paths of the data dir
 * back to objects, for the file driver and for tests and tools that look at the files. The
 * mapping itself, and its tree, are {@link StoreKeys}'.
 */
public final class StoreLayout {
    public static final String BLOBS = StoreKeys.BLOBS;
    public static final String REPOSITORIES = StoreKeys.REPOSITORIES;
    public static final String DATA = StoreKeys.DATA;
    public static final String LINK = StoreKeys.LINK;
    public static final String LAYERS = StoreKeys.LAYERS;
    public static final String MANIFESTS = StoreKeys.MANIFESTS;
    public static final String REVISIONS = StoreKeys.REVISIONS;
    public static final String TAGS = StoreKeys.TAGS;
    public static final String CURRENT = StoreKeys.CURRENT;
    public static final String INDEX = StoreKeys.INDEX;
    public static final String UPLOADS = StoreKeys.UPLOADS;
    public static final String LEASES = StoreKeys.LEASES;

    private final Path dataDir;

    public StoreLayout(Path dataDir) {
        this.dataDir = dataDir.toAbsolutePath().normalize();
    }

    /** The data dir. */
    public Path dataDir() {
        return dataDir;
    }

    /** The path of a key of {@link StoreKeys}. */
    public Path at(String key) {
        return key.isEmpty() ? dataDir : dataDir.resolve(key);
    }

    /** The key of a path in the data dir; null for a path outside it. */
    public String keyOf(Path path) {
        Path p = path.toAbsolutePath().normalize();
        if (!p.startsWith(dataDir)) {
            return null;
        }
        Path relative = dataDir.relativize(p);
        StringBuilder key = new StringBuilder();
        for (Path segment : relative) {
            key.append(key.length() == 0 ? "" : "/").append(segment);
        }
        return key.toString();
    }

    /** {@code <data-dir>/docker/registry/v2}. */
    public Path root() {
        return at(StoreKeys.ROOT);
    }

    public Path blobsRoot() {
        return at(StoreKeys.blobsRoot());
    }

    public Path repositoriesRoot() {
        return at(StoreKeys.repositoriesRoot());
    }

    public Path markRecord(Mark mark, String key) {
        return at(StoreKeys.markRecord(mark, key));
    }

    public Path markFolder(Mark mark) {
        return at(StoreKeys.markFolder(mark));
    }

    /** {@code <data-dir>/.leases}. */
    public Path leases() {
        return at(StoreKeys.leases());
    }

    public Path blobDir(Digest digest) {
        return at(StoreKeys.blobDir(digest));
    }

    public Path blobData(Digest digest) {
        return at(StoreKeys.blobData(digest));
    }

    public Path repository(RepositoryName name) {
        return at(StoreKeys.repository(name));
    }

    public Path layerLink(RepositoryName name, Digest digest) {
        return at(StoreKeys.layerLink(name, digest));
    }

    public Path manifestRevisionLink(RepositoryName name, Digest digest) {
        return at(StoreKeys.manifestRevisionLink(name, digest));
    }

    public Path tagsDir(RepositoryName name) {
        return at(StoreKeys.tagsDir(name));
    }

    public Path tagDir(RepositoryName name, Tag tag) {
        return at(StoreKeys.tagDir(name, tag));
    }

    public Path tagCurrentLink(RepositoryName name, Tag tag) {
        return at(StoreKeys.tagCurrentLink(name, tag));
    }

    public Path tagIndexLink(RepositoryName name, Tag tag, Digest digest) {
        return at(StoreKeys.tagIndexLink(name, tag, digest));
    }

    public Path uploadsDir(RepositoryName name) {
        return at(StoreKeys.uploadsDir(name));
    }

    public Path uploadData(RepositoryName name, UUID id) {
        return at(StoreKeys.uploadData(name, id));
    }

    /** The path of {@code entry}, the inverse of {@link #parse}. */
    public Path pathOf(StoreKeys.Entry entry) {
        return at(StoreKeys.keyOf(entry));
    }

    /** The repository whose folder {@code dir} is; empty if it is none. */
    public Optional<RepositoryName> repositoryAt(Path dir) {
        String key = keyOf(dir);
        return key == null ? Optional.empty() : StoreKeys.repositoryAt(key);
    }

    /** What file of the store {@code path} is; empty for any path the layout does not produce. */
    public Optional<StoreKeys.Entry> parse(Path path) {
        String key = keyOf(path);
        return key == null ? Optional.empty() : StoreKeys.parse(key);
    }

    /** See {@link StoreKeys#hashOf}. */
    public static byte[] hashOf(String algorithm, String hex) {
        return StoreKeys.hashOf(algorithm, hex);
    }

    /** The {@code data} file of a blob folder or an upload folder. */
    public static Path dataIn(Path blobOrUploadDir) {
        return blobOrUploadDir.resolve(DATA);
    }

    /** The {@code link} file of a link folder ({@code <alg>/<hex>}). */
    public static Path linkIn(Path linkFolder) {
        return linkFolder.resolve(LINK);
    }
}
