package dev.registrycache.node.cache;

import dev.registrycache.common.Digest;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.Metrics;
import dev.registrycache.common.RegistryException;
import dev.registrycache.common.RepositoryName;
import dev.registrycache.common.store.BlobUpload;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.node.NodeMetrics;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.node.upstream.UpstreamException;
import dev.registrycache.node.upstream.UpstreamResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Content;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts at most one upstream download per missing blob; concurrent requests for the same blob
 * join the download in flight instead of starting their own. Downloads run on their own threads,
 * so a slow or departed client never slows the fill of the cache.
 */
public final class SharedDownloads implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedDownloads.class);
    private static final int BUFFER = 256 * 1024;

    private final Datastore store;
    private final UpstreamClient upstream;
    private final Map<Digest, DownloadInFlight> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService threads;
    private static final int RELAY_BUDGET = 8 * DownloadInFlight.RELAY_WINDOW;
    /**
     * What the memory windows of downloads the datastore refused (a full disk) may hold in all:
     * eight downloads' full windows, then they wait for their readers; the node's heap stays safe
     * however many blobs are fetched at once.
     */
    private final Semaphore relayBudget = new Semaphore(RELAY_BUDGET);

    private final Metrics.Counter fetched;
    private final Metrics.Counter refused;
    private final String registry;

    public SharedDownloads(Datastore store, UpstreamClient upstream, String registry, NodeMetrics metrics) {
        this.store = store;
        this.upstream = upstream;
        this.registry = registry;
        this.fetched = metrics.upstreamBlobBytes();
        this.refused = metrics.upstreamBlobsRefused();
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "blob-fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Bytes held now in the memory windows of downloads the datastore refused. */
    public long relayBytes() {
        return RELAY_BUDGET - relayBudget.availablePermits();
    }

    /** The download in flight for {@code digest}, if any (a HEAD can answer from it). */
    public DownloadInFlight inFlight(Digest digest) {
        return inFlight.get(digest);
    }

    /**
     * Joins or starts the download of {@code digest}; returns null when the blob is (by now) in
     * the store, so the caller serves it from there. A download in flight is joined whichever
     * repository it is for ({@link DownloadInFlight#repository()}): whether another repository may share
     * it is the caller's to decide.
     */
    public DownloadInFlight fetch(Digest digest, String upstreamRepository, RepositoryName storeName) {
        DownloadInFlight[] started = new DownloadInFlight[1];
        DownloadInFlight fetch = inFlight.computeIfAbsent(digest, d -> {
            if (store.blobSize(d) >= 0) {
                return null;
            }
            started[0] = new DownloadInFlight(d, storeName, relayBudget);
            return started[0];
        });
        if (started[0] != null) {
            DownloadInFlight f = started[0];
            threads.execute(() -> download(f, upstreamRepository, storeName));
        }
        return fetch;
    }

    private void download(DownloadInFlight fetch, String repository, RepositoryName storeName) {
        Digest digest = fetch.digest();
        BlobUpload upload = null;
        BlobUpload storingTo = null; // the upload while the datastore takes the bytes; null once it failed
        boolean verified = false;
        RegistryException failure = null;
        Future<byte[]> verification = null;
        DownloadInFlight.Follower verifierReader = null;
        try {
            try (UpstreamResponse response = UpstreamClient.expectSuccess(
                    upstream.send("GET", "/v2/" + repository + "/blobs/" + digest, repository, Map.of()))) {
                long length = response.contentLength();
                // Only now, with the upstream confirming the repository holds the blob, is
                // anything written under the repository's name.
                upload = newUpload(storeName, digest);
                storingTo = upload;
                fetch.streaming(upload, length);
                // Hashing runs on its own thread, behind the writes, so that receiving and
                // verifying overlap: the digest is known moments after the last byte arrives.
                DownloadInFlight.Follower verifier = fetch.openForVerifier(); // before the first byte
                verifierReader = verifier;
                verification = threads.submit(() -> hash(fetch, verifier));
                long total = 0;
                Content.Chunk chunk;
                while ((chunk = response.readChunk()) != null) {
                    try {
                        ByteBuffer bytes = chunk.getByteBuffer();
                        int n = bytes.remaining();
                        if (n > 0) {
                            storingTo = write(fetch, storingTo, bytes);
                            total += n;
                            fetched.labels(registry).add(n);
                        }
                    } finally {
                        chunk.release();
                    }
                }
                if (length >= 0 && total != length) {
                    throw new IOException("upstream sent " + total + " bytes of " + length);
                }
                fetch.received();
            }
            if (!digest.matches(verification.get())) {
                LOG.warn("blob {} from upstream does not match its digest; not stored", digest);
                refused.labels(registry).add(1);
                throw new RegistryException(
                        ErrorCode.DIGEST_INVALID,
                        "the upstream sent content that does not match digest " + digest,
                        null);
            }
            verified = true;
            if (storingTo != null) {
                publish(upload, digest, storeName);
            }
        } catch (UpstreamException e) {
            failure = e.toRegistryException(ErrorCode.BLOB_UNKNOWN);
        } catch (RegistryException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new RegistryException(ErrorCode.UNAVAILABLE, "the cache is shutting down", null, 10, e);
        } catch (IOException | ExecutionException | RuntimeException e) {
            LOG.warn("download of blob {} failed: {}", digest, e.toString());
            failure = new RegistryException(
                    ErrorCode.UNAVAILABLE, "the download from the upstream registry failed", null, 10, e);
        } finally {
            if (verification != null) {
                verification.cancel(true);
            }
            closeQuietly(verifierReader); // closed by the verifier too, unless it never ran
            // Out of the map before the readers hear the end: a request that finds no download in
            // flight then finds the blob in the store, or starts a new download, never joins one
            // that is over (whose blob may have been evicted already).
            inFlight.remove(digest, fetch);
            if (verified) {
                fetch.complete();
            } else {
                fetch.fail(
                        failure != null
                                ? failure
                                : new RegistryException(
                                        ErrorCode.UNAVAILABLE,
                                        "the download from the upstream registry failed",
                                        null,
                                        10,
                                        null));
            }
            if (upload != null) {
                upload.close(); // discards it unless committed
            }
        }
    }

    /**
     * Writes {@code bytes} to {@code upload} while the datastore takes them; without one (it
     * failed: a full disk), hands them to the readers through memory instead. Returns where the
     * next bytes go: the upload, or null once the datastore failed.
     */
    private BlobUpload write(DownloadInFlight fetch, BlobUpload upload, ByteBuffer bytes)
            throws IOException, InterruptedException {
        if (upload != null) {
            try {
                int n = bytes.remaining();
                upload.write(bytes.duplicate());
                fetch.advance(n);
                return upload;
            } catch (IOException e) {
                LOG.warn(
                        "cannot write blob {} to the datastore ({}); serving it to its clients without storing it",
                        fetch.digest(),
                        e.toString());
                fetch.stopStoring();
            }
        }
        fetch.relay(bytes);
        return null;
    }

    /** Publishes the verified blob; a datastore that fails here costs the store the blob, not the readers. */
    private void publish(BlobUpload upload, Digest digest, RepositoryName storeName) {
        try {
            upload.commit(digest);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot store blob {} in the datastore ({}); it was served, not stored", digest, e.toString());
            return;
        }
        try {
            store.linkLayer(storeName, digest);
        } catch (IOException | RuntimeException e) {
            LOG.warn("blob {} stored, but its link in {} cannot be written: {}", digest, storeName, e.toString());
        }
    }

    /** A new upload, or null when the datastore cannot make one: the blob then passes through memory. */
    private BlobUpload newUpload(RepositoryName storeName, Digest digest) {
        try {
            return store.newUpload(storeName);
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "cannot write to the datastore ({}); serving blob {} to its clients without storing it",
                    e.toString(),
                    digest);
            return null;
        }
    }

    private static void closeQuietly(DownloadInFlight.Follower reader) {
        if (reader != null) {
            try {
                reader.close();
            } catch (IOException ignored) {
                // done with it either way
            }
        }
    }

    /** Hashes the download's bytes as they arrive; returns the hash once every byte was received. */
    private static byte[] hash(DownloadInFlight fetch, DownloadInFlight.Follower reader)
            throws IOException, InterruptedException {
        MessageDigest hasher = fetch.digest().newHasher();
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        try (DownloadInFlight.Follower in = reader) {
            long position = 0;
            while (true) {
                long available = fetch.awaitWritten(position);
                if (available <= position) {
                    return hasher.digest();
                }
                while (position < available) {
                    buffer.clear();
                    buffer.limit((int) Math.min(buffer.capacity(), available - position));
                    int n = in.read(buffer, position);
                    if (n <= 0) {
                        throw new IOException("short read of the download of " + fetch.digest());
                    }
                    buffer.flip();
                    hasher.update(buffer);
                    position += n;
                }
            }
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
