package dev.registrycache.common.store;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The one place that maps datastore objects to keys and keys back to objects, in distribution's
 * layout so that a stock {@code registry:2} can serve a copy of the store. A key is relative to
 * the data dir (a file system's folder, an object store's prefix), {@code '/'}-separated:
 *
 * <pre>
 * docker/registry/v2/
 *   blobs/&lt;alg&gt;/&lt;hex[0:2]&gt;/&lt;hex&gt;/data                         layers, configs, manifests
 *   repositories/&lt;name&gt;/
 *     _layers/&lt;alg&gt;/&lt;hex&gt;/link                              blob linked into the repository
 *     _manifests/revisions/&lt;alg&gt;/&lt;hex&gt;/link                  manifest known to the repository
 *     _manifests/tags/&lt;tag&gt;/current/link                     digest the tag points at now
 *     _manifests/tags/&lt;tag&gt;/index/&lt;alg&gt;/&lt;hex&gt;/link           every digest the tag pointed at
 *     _uploads/&lt;id&gt;/data                                     a blob being fetched (not yet verified)
 * .leases/&lt;name&gt;                                               a lease of replicas sharing the store (the cleaner's)
 * .pins/&lt;key&gt;.json, .quarantine/&lt;key&gt;.json                      the operators' pins and quarantines ({@link Mark})
 * </pre>
 *
 * Every link holds exactly {@code <alg>:<hex>} with no newline. Names carry the registry prefix
 * ({@code quay.io/podman/hello}), so upstreams never collide while one blob is stored once. Every
 * argument is a validated value type, so no key can leave the store. {@link StoreLayout} resolves
 * these keys in a data dir for the file system.
 */
public final class StoreKeys {
    public static final String ROOT = "docker/registry/v2";
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

    private StoreKeys() {}

    /** What an object of the store is. */
    public enum Kind {
        BLOB_DATA,
        LAYER_LINK,
        REVISION_LINK,
        TAG_CURRENT_LINK,
        TAG_INDEX_LINK,
        UPLOAD_DATA
    }

    /**
     * An object of the store: its kind and the values its key names (null where the kind names
     * none: a blob has no repository, a current link no digest, an upload only an id).
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

    /** {@code a/b/c} of its parts. */
    public static String join(String... parts) {
        return String.join("/", parts);
    }

    /** The last segment of {@code key}. */
    public static String name(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    /** The folder of {@code key}: all before its last {@code '/'}, or the root's empty string. */
    public static String parent(String key) {
        int slash = key.lastIndexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }

    public static String blobsRoot() {
        return join(ROOT, BLOBS);
    }

    public static String repositoriesRoot() {
        return join(ROOT, REPOSITORIES);
    }

    public static String blobDir(Digest digest) {
        return join(blobsRoot(), digest.algorithm().id(), digest.hex().substring(0, 2), digest.hex());
    }

    public static String blobData(Digest digest) {
        return join(blobDir(digest), DATA);
    }

    public static String repository(RepositoryName name) {
        return join(repositoriesRoot(), name.toString());
    }

    public static String layersDir(RepositoryName name) {
        return join(repository(name), LAYERS);
    }

    public static String revisionsDir(RepositoryName name) {
        return join(repository(name), MANIFESTS, REVISIONS);
    }

    public static String layerLink(RepositoryName name, Digest digest) {
        return linkIn(linkFolder(layersDir(name), digest));
    }

    public static String manifestRevisionLink(RepositoryName name, Digest digest) {
        return linkIn(linkFolder(revisionsDir(name), digest));
    }

    public static String tagsDir(RepositoryName name) {
        return join(repository(name), MANIFESTS, TAGS);
    }

    public static String tagDir(RepositoryName name, Tag tag) {
        return join(tagsDir(name), tag.toString());
    }

    public static String tagCurrentLink(RepositoryName name, Tag tag) {
        return currentLinkOfTag(tagDir(name, tag));
    }

    public static String tagIndexLink(RepositoryName name, Tag tag, Digest digest) {
        return linkIn(linkFolder(indexOfTag(tagDir(name, tag)), digest));
    }

    public static String uploadsDir(RepositoryName name) {
        return join(repository(name), UPLOADS);
    }

    public static String uploadDir(RepositoryName name, UUID id) {
        return join(uploadsDir(name), id.toString());
    }

    public static String uploadData(RepositoryName name, UUID id) {
        return dataIn(uploadDir(name, id));
    }

    public static String leases() {
        return LEASES;
    }

    /** {@code .pins}, {@code .quarantine}: the folder of a mark's records. */
    public static String markFolder(Mark mark) {
        return "." + mark.folder();
    }

    /** {@code .pins/<key>.json}, {@code .quarantine/<key>.json}. */
    public static String markRecord(Mark mark, String key) {
        return join(markFolder(mark), Mark.checkKey(key) + MARK_SUFFIX);
    }

    /** The mark key of a record's name; null if the name is not one. */
    public static String markKeyOf(String fileName) {
        if (!fileName.endsWith(MARK_SUFFIX)) {
            return null;
        }
        String key = fileName.substring(0, fileName.length() - MARK_SUFFIX.length());
        return Mark.isKey(key) ? key : null;
    }

    /** The key of {@code entry}: the forward mapping as one call, the inverse of {@link #parse}. */
    public static String keyOf(Entry entry) {
        return switch (entry.kind()) {
            case BLOB_DATA -> blobData(entry.digest());
            case LAYER_LINK -> layerLink(entry.repository(), entry.digest());
            case REVISION_LINK -> manifestRevisionLink(entry.repository(), entry.digest());
            case TAG_CURRENT_LINK -> tagCurrentLink(entry.repository(), entry.tag());
            case TAG_INDEX_LINK -> tagIndexLink(entry.repository(), entry.tag(), entry.digest());
            case UPLOAD_DATA -> uploadData(entry.repository(), entry.upload());
        };
    }

    /** The repository whose folder {@code key} is; empty if it is not under the repositories' root or no valid name. */
    public static Optional<RepositoryName> repositoryAt(String key) {
        String prefix = repositoriesRoot() + "/";
        if (!key.startsWith(prefix) || key.length() == prefix.length()) {
            return Optional.empty();
        }
        String[] e = ("x/" + key.substring(prefix.length())).split("/", -1);
        return repositoryOf(e, e.length);
    }

    /** What object of the store {@code key} is; empty for any key the layout does not make. */
    public static Optional<Entry> parse(String key) {
        String prefix = ROOT + "/";
        if (!key.startsWith(prefix)) {
            return Optional.empty();
        }
        String[] e = key.substring(prefix.length()).split("/", -1);
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
        return entryIn(repository.get(), Arrays.copyOfRange(e, special, e.length));
    }

    /** The entry named by {@code r}, the segments of a key after its repository's name. */
    private static Optional<Entry> entryIn(RepositoryName name, String[] r) {
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
    public static String linkFolder(String folder, Digest digest) {
        return join(folder, digest.algorithm().id(), digest.hex());
    }

    /** The {@code data} object of a blob folder ({@code blobs/<alg>/<xx>/<hex>}) or an upload folder ({@code _uploads/<id>}). */
    public static String dataIn(String blobOrUploadDir) {
        return join(blobOrUploadDir, DATA);
    }

    /** The {@code link} object of a link folder ({@code <alg>/<hex>}). */
    public static String linkIn(String linkFolder) {
        return join(linkFolder, LINK);
    }

    /** {@code <tag>/current/link}. */
    public static String currentLinkOfTag(String tagDir) {
        return join(tagDir, CURRENT, LINK);
    }

    /** The link folders ({@code <alg>/<hex>}) of a tag's history. */
    public static String indexOfTag(String tagDir) {
        return join(tagDir, INDEX);
    }
}
