package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The shared datastore as every process sees it: blobs addressed by digest, and each
 * repository's links to them (layers, manifest revisions, tags), as distribution keeps them. The
 * node reads, uploads and links; the gateway reads; the logger records uses; the cleaner scans,
 * deletes and prunes. {@link FileDatastore} is distribution's file-system layout; an object
 * store plugs in here by implementing this interface and passing the same contract tests.
 *
 * <p>What an implementation must guarantee, with several processes (and hosts) at once:
 * <ul>
 * <li><b>Atomic publish.</b> A blob is visible (to {@link #blobSize}, {@link #openBlob}, a scan)
 *     only complete: {@link BlobUpload#commit} publishes all of it at once or nothing. Publishing
 *     a digest that is stored already leaves a blob of the same bytes.</li>
 * <li><b>Readers keep what they opened.</b> A {@link BlobReader} reads the whole blob even if the
 *     blob is deleted or replaced meanwhile.</li>
 * <li><b>Readers of an upload</b> ({@link BlobUpload#openReader}) see the bytes written so far,
 *     in order, and keep reading the same bytes after the upload is committed; what they see of
 *     an upload is not verified: the uploader verifies the digest before committing.</li>
 * <li><b>Last use</b> of a blob is the latest of the time it was written and the times recorded
 *     with {@link #recordUse}; an implementation may also count its own reads as uses (a file
 *     system's access time does), which is why {@code recordUse} can set a time back.</li>
 * <li><b>Links are independent of blobs.</b> A link may outlive its blob (the cleaner deletes
 *     blobs first, links after): readers treat a link whose blob is gone as absent. Link and tag
 *     writes are atomic; writing the value a link holds already is a no-op.</li>
 * <li><b>Uploads in progress count.</b> {@link #scanUploads} reports their bytes (they fill the
 *     same disk) and removes those nobody wrote to for longer than a given time.</li>
 * </ul>
 * Methods do not throw for what is simply absent: they return -1, null, false or empty.
 */
public interface Datastore extends AutoCloseable {

    /** Lets go of what the datastore holds (its driver's connections); the stored objects stay. */
    @Override
    default void close() {}

    // ---- blobs

    /** The stored blob's size in bytes, or -1 if it is not stored. */
    long blobSize(Digest digest);

    /** Opens a stored blob for reading; null if it is not (or no longer) stored. Close the reader. */
    BlobReader openBlob(Digest digest) throws IOException;

    /** The bytes of a stored blob of at most {@code maxBytes} (a manifest); null if absent or larger. */
    byte[] readBlob(Digest digest, int maxBytes) throws IOException;

    /**
     * Starts writing a blob fetched for {@code repository}, whose name the upload is kept under
     * until it is committed or discarded (so the cleaner can tell whose it was).
     */
    BlobUpload newUpload(RepositoryName repository) throws IOException;

    /**
     * As {@link #newUpload(RepositoryName)}, for the blob {@code digest} (fetched by its digest):
     * it may only be committed as {@code digest}, which lets an object store write it in place.
     */
    default BlobUpload newUpload(RepositoryName repository, Digest digest) throws IOException {
        return newUpload(repository);
    }

    /** Stores small bytes, already verified to be {@code digest}'s, as a blob (nothing if stored). */
    default void putBlob(RepositoryName repository, Digest digest, byte[] bytes) throws IOException {
        if (blobSize(digest) == bytes.length) {
            return;
        }
        try (BlobUpload upload = newUpload(repository, digest)) {
            upload.write(java.nio.ByteBuffer.wrap(bytes));
            upload.commit(digest);
        }
    }

    /** Deletes a stored blob (its links stay); false if it was not stored. Open readers finish. */
    boolean deleteBlob(Digest digest);

    // ---- uses

    /**
     * Records a use of the blob at {@code time}: its last use becomes {@code time} if that is
     * later, or in any case with {@code overwrite} (to undo a read of this datastore's own that
     * counted as a use). False if the blob is not stored.
     */
    boolean recordUse(Digest digest, Instant time, boolean overwrite);

    // ---- scanning, for the cleaner

    /**
     * The blob store split into parts that {@link #scanBlobs} lists independently, so that a scan
     * can run on several threads (a file system's prefix folders, an object store's prefixes).
     */
    List<String> blobPartitions();

    /** Calls {@code visitor} for every blob stored in {@code partition}, on the calling thread. */
    void scanBlobs(String partition, BlobVisitor visitor);

    /** One stored blob of a scan: its digest as algorithm and raw hash, its size and its last use. */
    @FunctionalInterface
    interface BlobVisitor {
        void blob(Digest.Algorithm algorithm, byte[] hash, long size, long lastUseMillis);
    }

    /**
     * Measures the uploads in progress and, if {@code removeStale}, removes those not written to
     * for {@code stale} (left by a process that died).
     */
    UploadsSummary scanUploads(Duration stale, boolean removeStale);

    /** Uploads still written to and their bytes; uploads found stale (removed, if asked) and theirs. */
    record UploadsSummary(int live, long liveBytes, int stale, long staleBytes) {}

    /**
     * Removes what would dangle once blobs are gone: layer and manifest links whose blob
     * {@code stored} says is gone, tags whose current manifest is gone, and whatever is left
     * empty; with {@code dryRun}, only counts them. Runs its work on {@code workers}.
     */
    PruneSummary pruneDangling(BlobPresence stored, boolean dryRun, IoWorkers workers);

    /** Whether a blob named by a link is stored, as the caller's scan knows it. */
    @FunctionalInterface
    interface BlobPresence {
        boolean stored(Digest.Algorithm algorithm, byte[] hash);
    }

    /** What a prune removed (or would): links, tags, and empty folders or prefixes. */
    record PruneSummary(int links, int tags, int folders) {}

    // ---- repositories: links and tags

    boolean repositoryExists(RepositoryName repository);

    /** Links a blob into the repository as a layer (or config). */
    void linkLayer(RepositoryName repository, Digest digest) throws IOException;

    /** Whether the blob is linked into the repository, whether or not the blob is stored. */
    boolean layerLinked(RepositoryName repository, Digest digest);

    /** Links a manifest into the repository as a revision. */
    void linkManifest(RepositoryName repository, Digest digest) throws IOException;

    /** Whether the manifest is linked into the repository, whether or not it is stored. */
    boolean manifestLinked(RepositoryName repository, Digest digest);

    /** Points {@code tag} at {@code digest} (and records it in the tag's history). */
    void tag(RepositoryName repository, Tag tag, Digest digest) throws IOException;

    /** The digest the tag points at, whether or not that manifest is stored; null if no such tag. */
    Digest tagTarget(RepositoryName repository, Tag tag);

    /** The repository's tags, whether or not their manifests are stored; empty if none. */
    List<Tag> tags(RepositoryName repository);

    /** The digest the tag points at if that manifest is stored; null otherwise. */
    default Digest taggedDigest(RepositoryName repository, Tag tag) {
        Digest d = tagTarget(repository, tag);
        return d != null && blobSize(d) >= 0 ? d : null;
    }

    // ---- browsing and purging, for the cache's operators

    /** Every repository that holds a link or a tag, sorted; empty when the store is. */
    List<RepositoryName> repositories();

    /** The manifests linked into the repository as revisions, whether or not they are stored. */
    List<Digest> manifestRevisions(RepositoryName repository);

    /** The blobs linked into the repository as layers (or configs), whether or not they are stored. */
    List<Digest> layerLinks(RepositoryName repository);

    /** When the blob was last used (see the class comment), in epoch millis; -1 if it is not stored. */
    long lastUse(Digest digest);

    /** Removes the repository's layer link; false if there was none. The blob stays. */
    boolean unlinkLayer(RepositoryName repository, Digest digest);

    /** Removes the repository's manifest revision link; false if there was none. The blob stays. */
    boolean unlinkManifest(RepositoryName repository, Digest digest);

    /** Removes the tag with its history; false if there was no such tag. The manifest stays. */
    boolean untag(RepositoryName repository, Tag tag);

    // ---- marks: the operators' pins and quarantines, kept in the store so every replica obeys them

    /**
     * Writes the record of {@code key} in {@code mark}, replacing what was there, atomically: a
     * reader sees the old record or the new one. {@code key} is a short word ({@link Mark#isKey}).
     */
    void putMark(Mark mark, String key, byte[] record) throws IOException;

    /** The record of {@code key} in {@code mark}; null if there is none. */
    byte[] readMark(Mark mark, String key);

    /** Whether {@code key} is in {@code mark}: cheap enough for every request (one look-up). */
    boolean hasMark(Mark mark, String key);

    /** Removes {@code key} from {@code mark}; false if it was not there. */
    boolean deleteMark(Mark mark, String key);

    /** The keys in {@code mark}, sorted. */
    List<String> marks(Mark mark);

    // ---- leases

    /**
     * Takes or renews the lease {@code name} for {@code holder} until {@code now + term}: true when
     * {@code holder} holds it afterwards (it was free, had expired, or was already its own), false
     * while another holder's lease runs. For work that only one of the replicas sharing the
     * datastore may do at a time (the cleaner's passes). Of holders that ask at once, at most one
     * gets it. Replicas' clocks must agree to well within {@code term}; a holder renews well before
     * its lease expires, and a lease that is not renewed passes to the next holder that asks. A
     * lease that runs more than two terms ahead of {@code now} (one of lease, one of clock skew)
     * is stale whatever its holder: a dead replica's clock ran ahead, or it was written wrong.
     * {@code name} and {@code holder} are short words of letters, digits, '.', '_' and '-'.
     */
    boolean holdLease(String name, String holder, Instant now, Duration term) throws IOException;

    /** Gives up the lease {@code name} if {@code holder} holds it, so another may take it at once. */
    void releaseLease(String name, String holder) throws IOException;
}
