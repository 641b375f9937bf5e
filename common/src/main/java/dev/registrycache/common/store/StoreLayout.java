package dev.registrycache.common.store;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The one place that maps datastore objects to paths and paths back to objects, in
 * distribution's filesystem layout so that a stock {@code registry:2} can serve a copy of the store:
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
 * &lt;data-dir&gt;/.leases/&lt;name&gt;                                  a lease of replicas sharing the store (the cleaner's)
 * &lt;data-dir&gt;/.pins/&lt;key&gt;.json, .quarantine/&lt;key&gt;.json          the operators' pins and quarantines ({@link Mark})
 * </pre>
 *
 * Every link file holds exactly {@code <alg>:<hex>} with no newline. Names carry the registry
 * prefix ({@code quay.io/podman/hello}), so upstreams never collide while one blob is stored once.
 * Every argument is a validated value type, so no path can leave the store. The walkers of the
 * cleaner go folder by folder with the folder names and helpers below.
 */
public final class StoreLayout {
    public static final String BLOBS = "blobs";
    public static final String REPOSITORIES = "repositories";
    public static final String DATA = "data";
    public static final String LINK = "link";
    public static final String LAYERS = "_layers";
    public static final String MANIFESTS = "_manifests";
    public static final String REVISIONS = "revisions";
    public static final String TAGS = "tags";
    public static final String CURRENT = "current";
    public static final String INDEX = "index";
    public static final String UPLOADS = "_uploads";
    /** Beside {@code docker/}: leases of the replicas that share the datastore. */
    public static final String LEASES = ".leases";

    private static final String MARK_SUFFIX = ".json";

    private static final HexFormat HEX = HexFormat.of();

    /** What a file of the store is. */
    public enum Kind {
        BLOB_DATA,
        LAYER_LINK,
        REVISION_LINK,
        TAG_CURRENT_LINK,
        TAG_INDEX_LINK,
        UPLOAD_DATA
    }

    /**
     * A file of the store as an object: its kind and the values its path names (null where the
     * kind names none: a blob has no repository, a current link no digest, an upload only an id).
     */
    public record Entry(Kind kind, RepositoryName repository, Tag tag, Digest digest, UUID upload) {
        public Entry {
            Objects.requireNonNull(kind);
        }

        public static Entry blob(Digest digest) {
            return new Entry(Kind.BLOB_DATA, null, null, digest, null);
        }

        public static Entry layerLink(RepositoryName repository, Digest digest) {
            return new Entry(Kind.LAYER_LINK, repository, null, digest, null);
        }

        public static Entry revisionLink(RepositoryName repository, Digest digest) {
            return new Entry(Kind.REVISION_LINK, repository, null, digest, null);
        }

        public static Entry tagCurrentLink(RepositoryName repository, Tag tag) {
            return new Entry(Kind.TAG_CURRENT_LINK, repository, tag, null, null);
        }

        public static Entry tagIndexLink(RepositoryName repository, Tag tag, Digest digest) {
            return new Entry(Kind.TAG_INDEX_LINK, repository, tag, digest, null);
        }

        public static Entry upload(RepositoryName repository, UUID id) {
            return new Entry(Kind.UPLOAD_DATA, repository, null, null, id);
        }
    }

    private final Path dataDir;
    private final Path root;

    public StoreLayout(Path dataDir) {
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.root = this.dataDir.resolve("docker").resolve("registry").resolve("v2");
    }

    /** {@code <data-dir>/docker/registry/v2}. */
    public Path root() {
        return root;
    }

    public Path blobsRoot() {
        return root.resolve(BLOBS);
    }

    public Path repositoriesRoot() {
        return root.resolve(REPOSITORIES);
    }

    /** {@code <data-dir>/.pins/<key>.json}, {@code <data-dir>/.quarantine/<key>.json}: the operators' marks. */
    public Path markRecord(Mark mark, String key) {
        return markFolder(mark).resolve(Mark.checkKey(key) + MARK_SUFFIX);
    }

    /** {@code <data-dir>/.<mark folder>}. */
    public Path markFolder(Mark mark) {
        return dataDir.resolve("." + mark.folder());
    }

    /** The key of a mark record's file name; null if the name is not one. */
    public static String markKeyOf(String fileName) {
        if (!fileName.endsWith(MARK_SUFFIX)) {
            return null;
        }
        String key = fileName.substring(0, fileName.length() - MARK_SUFFIX.length());
        return Mark.isKey(key) ? key : null;
    }

    /** {@code <data-dir>/.leases}. */
    public Path leases() {
        return dataDir.resolve(LEASES);
    }

    public Path blobDir(Digest digest) {
        return blobsRoot()
                .resolve(digest.algorithm().id())
                .resolve(digest.hex().substring(0, 2))
                .resolve(digest.hex());
    }

    public Path blobData(Digest digest) {
        return blobDir(digest).resolve(DATA);
    }

    public Path repository(RepositoryName name) {
        Path p = repositoriesRoot();
        for (String component : name.components()) {
            p = p.resolve(component);
        }
        return p;
    }

    public Path layerLink(RepositoryName name, Digest digest) {
        return linkFolder(repository(name).resolve(LAYERS), digest).resolve(LINK);
    }

    public Path manifestRevisionLink(RepositoryName name, Digest digest) {
        return linkFolder(repository(name).resolve(MANIFESTS).resolve(REVISIONS), digest)
                .resolve(LINK);
    }

    public Path tagsDir(RepositoryName name) {
        return repository(name).resolve(MANIFESTS).resolve(TAGS);
    }

    public Path tagDir(RepositoryName name, Tag tag) {
        return tagsDir(name).resolve(tag.toString());
    }

    public Path tagCurrentLink(RepositoryName name, Tag tag) {
        return currentLinkOfTag(tagDir(name, tag));
    }

    public Path tagIndexLink(RepositoryName name, Tag tag, Digest digest) {
        return linkFolder(indexOfTag(tagDir(name, tag)), digest).resolve(LINK);
    }

    public Path uploadsDir(RepositoryName name) {
        return repository(name).resolve(UPLOADS);
    }

    public Path uploadData(RepositoryName name, UUID id) {
        return uploadsDir(name).resolve(id.toString()).resolve(DATA);
    }

    /** The path of {@code entry}: the forward mapping as one call, the inverse of {@link #parse}. */
    public Path pathOf(Entry entry) {
        return switch (entry.kind()) {
            case BLOB_DATA -> blobData(entry.digest());
            case LAYER_LINK -> layerLink(entry.repository(), entry.digest());
            case REVISION_LINK -> manifestRevisionLink(entry.repository(), entry.digest());
            case TAG_CURRENT_LINK -> tagCurrentLink(entry.repository(), entry.tag());
            case TAG_INDEX_LINK -> tagIndexLink(entry.repository(), entry.tag(), entry.digest());
            case UPLOAD_DATA -> uploadData(entry.repository(), entry.upload());
        };
    }

    /** The repository whose folder {@code dir} is; empty if it is not under the repositories' root or not a valid name. */
    public Optional<RepositoryName> repositoryAt(Path dir) {
        Path relative = dir.toAbsolutePath().normalize();
        Path repositories = repositoriesRoot();
        if (!relative.startsWith(repositories) || relative.equals(repositories)) {
            return Optional.empty();
        }
        relative = repositories.relativize(relative);
        String[] e = new String[relative.getNameCount() + 1];
        for (int i = 1; i < e.length; i++) {
            e[i] = relative.getName(i - 1).toString();
        }
        return repositoryOf(e, e.length);
    }

    /** What file of the store {@code path} is; empty for any path the layout does not produce. */
    public Optional<Entry> parse(Path path) {
        Path relative = path.toAbsolutePath().normalize();
        if (!relative.startsWith(root)) {
            return Optional.empty();
        }
        relative = root.relativize(relative);
        String[] e = new String[relative.getNameCount()];
        for (int i = 0; i < e.length; i++) {
            e[i] = relative.getName(i).toString();
        }
        if (e.length == 5 && e[0].equals(BLOBS) && e[4].equals(DATA) && e[3].startsWith(e[2]) && e[2].length() == 2) {
            return digestOf(e[1], e[3]).map(Entry::blob);
        }
        if (e.length < 2 || !e[0].equals(REPOSITORIES)) {
            return Optional.empty();
        }
        int special = 1;
        while (special < e.length && !e[special].startsWith("_")) {
            special++;
        }
        Optional<RepositoryName> repository = repositoryOf(e, special);
        if (repository.isEmpty()) {
            return Optional.empty();
        }
        String[] r = Arrays.copyOfRange(e, special, e.length);
        RepositoryName name = repository.get();
        if (r.length == 4 && r[0].equals(LAYERS) && r[3].equals(LINK)) {
            return digestOf(r[1], r[2]).map(d -> Entry.layerLink(name, d));
        }
        if (r.length == 5 && r[0].equals(MANIFESTS) && r[1].equals(REVISIONS) && r[4].equals(LINK)) {
            return digestOf(r[2], r[3]).map(d -> Entry.revisionLink(name, d));
        }
        if (r.length >= 5 && r[0].equals(MANIFESTS) && r[1].equals(TAGS) && Tag.isValid(r[2])) {
            Tag tag = Tag.parse(r[2]);
            if (r.length == 5 && r[3].equals(CURRENT) && r[4].equals(LINK)) {
                return Optional.of(Entry.tagCurrentLink(name, tag));
            }
            if (r.length == 7 && r[3].equals(INDEX) && r[6].equals(LINK)) {
                return digestOf(r[4], r[5]).map(d -> Entry.tagIndexLink(name, tag, d));
            }
        }
        if (r.length == 3 && r[0].equals(UPLOADS) && r[2].equals(DATA)) {
            return uploadIdOf(r[1]).map(id -> Entry.upload(name, id));
        }
        return Optional.empty();
    }

    private static Optional<RepositoryName> repositoryOf(String[] elements, int end) {
        if (end <= 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(RepositoryName.parse(String.join("/", Arrays.copyOfRange(elements, 1, end))));
        } catch (InvalidValueException e) {
            return Optional.empty();
        }
    }

    private static Optional<Digest> digestOf(String algorithm, String hex) {
        byte[] hash = hashOf(algorithm, hex);
        return hash == null ? Optional.empty() : Optional.of(Digest.fromHash(Digest.Algorithm.byId(algorithm), hash));
    }

    private static Optional<UUID> uploadIdOf(String name) {
        try {
            UUID id = UUID.fromString(name);
            return id.toString().equals(name) ? Optional.of(id) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The raw hash named by a blob or link folder {@code <alg>/<hex>} (lower-case hex of the
     * algorithm's length), or null when the names are not those of a digest. Bytes rather than a
     * {@link Digest}, for walkers that hold a whole store's names.
     */
    public static byte[] hashOf(String algorithm, String hex) {
        Digest.Algorithm a = Digest.Algorithm.byId(algorithm);
        if (a == null || hex.length() != a.hexLength() || !Digest.isLowerHex(hex)) {
            return null;
        }
        return HEX.parseHex(hex);
    }

    /** {@code <folder>/<alg>/<hex>}: the folder of a link in {@code _layers}, {@code revisions} or a tag's {@code index}. */
    private static Path linkFolder(Path folder, Digest digest) {
        return folder.resolve(digest.algorithm().id()).resolve(digest.hex());
    }

    /** The {@code data} file of a blob folder ({@code blobs/<alg>/<xx>/<hex>}) or an upload folder ({@code _uploads/<id>}). */
    public static Path dataIn(Path blobOrUploadDir) {
        return blobOrUploadDir.resolve(DATA);
    }

    /** The {@code link} file of a link folder ({@code <alg>/<hex>}). */
    public static Path linkIn(Path linkFolder) {
        return linkFolder.resolve(LINK);
    }

    /** The link folders ({@code <alg>/<hex>}) of a repository's {@code _manifests}: its {@code revisions}. */
    public static Path revisionsOf(Path manifestsDir) {
        return manifestsDir.resolve(REVISIONS);
    }

    /** The tag folders of a repository's {@code _manifests}. */
    public static Path tagsOf(Path manifestsDir) {
        return manifestsDir.resolve(TAGS);
    }

    /** {@code <tag>/current/link}. */
    public static Path currentLinkOfTag(Path tagDir) {
        return tagDir.resolve(CURRENT).resolve(LINK);
    }

    /** The link folders ({@code <alg>/<hex>}) of a tag's history. */
    public static Path indexOfTag(Path tagDir) {
        return tagDir.resolve(INDEX);
    }
}
