package dev.registrycache.node.cache;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.store.BlobUpload;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.node.upstream.UpstreamException;
import dev.registrycache.node.upstream.UpstreamResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Map;
import org.eclipse.jetty.io.Content;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream download of a blob, which any number of clients follow while it is written. It
 * owns the upstream response, the upload it writes ({@link SpillableUpload}: the datastore's, or
 * memory when the datastore cannot take the blob) and the verification: it hashes the bytes as it
 * writes them. Its followers pass one gate, this object's monitor: they read what was written,
 * and hold a response's last byte until {@link #awaitVerified}, so no client completes a response
 * of corrupt bytes (its transfer breaks off short instead), and a corrupt blob is never stored.
 * The upload exists only once the upstream answered with the blob: a refused download writes
 * nothing. Every wait here ends: the upstream client times out, and the upload drops stalled
 * followers and stops when none is left.
 */
public final class BlobDownload {
    private static final Logger LOG = LoggerFactory.getLogger(BlobDownload.class);

    private final BlobDownloads owner;
    private final Digest digest;
    private final RepositoryName repository;
    private final String upstreamRepository;
    private final SpillableUpload upload;

    // the gate
    private boolean started;
    private long size = -1;
    private long written;
    private boolean over;
    private boolean stored;
    private RegistryException failure;

    BlobDownload(BlobDownloads owner, Digest digest, RepositoryName repository, String upstreamRepository) {
        this.owner = owner;
        this.digest = digest;
        this.repository = repository;
        this.upstreamRepository = upstreamRepository;
        this.upload = new SpillableUpload(this, owner.memory);
    }

    public Digest digest() {
        return digest;
    }

    /** The repository (store name) the download is for, whose name the upstream was asked with. */
    public RepositoryName repository() {
        return repository;
    }

    void run() {
        RegistryException error = null;
        boolean published = false;
        try {
            published = download();
        } catch (UpstreamException e) {
            error = e.toRegistryException(ErrorCode.BLOB_UNKNOWN);
        } catch (RegistryException e) {
            error = e;
        } catch (IOException | RuntimeException e) {
            LOG.warn("download of blob {} failed: {}", digest, Reasons.of(e));
            error = new RegistryException(
                    ErrorCode.UNAVAILABLE, "the download from the upstream registry failed", null, 10, e);
        } finally {
            // out of the map before the followers hear the end: a request that then finds no
            // download in flight finds the blob in the store, or starts a new download
            owner.ended(this);
            end(error, published);
            upload.close();
        }
    }

    /** Downloads, verifies and publishes the blob; false if the datastore could not store it. */
    private boolean download() throws UpstreamException, IOException {
        String path = "/v2/" + upstreamRepository + "/blobs/" + digest;
        MessageDigest hasher = digest.newHasher();
        try (UpstreamResponse response =
                UpstreamClient.expectSuccess(owner.upstream.send("GET", path, upstreamRepository, Map.of()))) {
            long length = response.contentLength();
            upload.start(newUpload(), length);
            gate(length, 0);
            long total = 0;
            for (Content.Chunk chunk; (chunk = response.readChunk()) != null; ) {
                try {
                    ByteBuffer bytes = chunk.getByteBuffer();
                    int n = bytes.remaining();
                    upload.write(bytes.duplicate());
                    hasher.update(bytes);
                    owner.receivedBytes.add(n);
                    gate(length, total += n);
                } finally {
                    chunk.release();
                }
            }
            if (length >= 0 && total != length) {
                throw new IOException("upstream sent " + total + " bytes of " + length);
            }
        }
        if (!digest.matches(hasher.digest())) {
            LOG.warn("blob {} from upstream does not match its digest; not stored", digest);
            owner.refusedBlobs.add(1);
            throw new RegistryException(
                    ErrorCode.DIGEST_INVALID, "the upstream sent content that does not match digest " + digest, null);
        }
        // quarantined while it downloaded: not stored, and its followers' answers break off before their last byte
        owner.quarantines.refuseIfQuarantined(digest);
        return publish();
    }

    /**
     * The datastore's upload, or null when it cannot make one (the bytes then pass through
     * memory). Made only now that the upstream confirmed the repository holds the blob.
     */
    private BlobUpload newUpload() {
        try {
            return owner.store.newUpload(repository, digest);
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "cannot write to the datastore ({}); blob {} reaches its clients without storing it",
                    Reasons.of(e),
                    digest);
            return null;
        }
    }

    /** Publishes the verified blob; a datastore that fails here costs the store the blob, not the followers. */
    private boolean publish() {
        try {
            upload.commit(digest);
        } catch (IOException | RuntimeException e) {
            LOG.warn("blob {} was served, not stored: {}", digest, Reasons.of(e));
            return false;
        }
        try {
            owner.store.linkLayer(repository, digest);
        } catch (IOException | RuntimeException e) {
            LOG.warn("blob {} stored, but its link in {} cannot be written: {}", digest, repository, Reasons.of(e));
        }
        return true;
    }

    // ---- the gate

    private synchronized void gate(long length, long total) {
        started = true;
        size = length;
        written = total;
        notifyAll();
    }

    private synchronized void end(RegistryException error, boolean published) {
        over = true;
        stored = published;
        failure = error;
        notifyAll();
    }

    /** A new follower, from the first byte the download still holds; null if it is over and did not store the blob. */
    synchronized SpillableUpload.Follower follow() {
        return over && !stored ? null : upload.follow();
    }

    /** Waits until the upstream answered; returns the blob's size, -1 if not sent. Throws the download's error. */
    public synchronized long awaitSize() throws InterruptedException {
        while (!started && !over) {
            wait();
        }
        if (failure != null) {
            throw failure;
        }
        return size;
    }

    /** Waits until the whole blob arrived and matches its digest (and is stored, if the datastore took it). */
    public void awaitVerified() throws IOException, InterruptedException {
        awaitWritten(Long.MAX_VALUE);
    }

    /** Waits until bytes past {@code position} are written or the download is over; returns how many are written. */
    synchronized long awaitWritten(long position) throws IOException, InterruptedException {
        while (written <= position && !over) {
            wait();
        }
        if (failure != null) {
            throw new IOException("blob download failed: " + Reasons.of(failure), failure);
        }
        return written;
    }
}
