package dev.registrycache.node.cache;

import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.node.NodeMetrics;
import dev.registrycache.node.upstream.UpstreamClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The blob downloads in flight, at most one per blob for any number of clients: a request for a
 * missing blob follows the download in flight, or starts one. Downloads run on their own threads,
 * so a slow or departed client never slows the fill of the cache. The one exception: a client
 * that comes too late for bytes a download passed through memory only (the datastore could not
 * take the blob) gets a download of its own, which later clients then follow. No download of a
 * quarantined blob is ever started, for a client or ahead of one ({@link Quarantines}).
 */
public final class BlobDownloads implements AutoCloseable {
    final Datastore store;
    final UpstreamClient upstream;
    final UploadMemory memory;
    final Quarantines quarantines;
    private final Map<Digest, BlobDownload> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService threads;
    /** The blob bytes received from the upstream, and the blobs refused for not matching their digest. */
    final DoubleAdder receivedBytes;

    final DoubleAdder refusedBlobs;

    public BlobDownloads(Datastore store, UpstreamClient upstream, String registry, NodeMetrics metrics) {
        this.store = store;
        this.upstream = upstream;
        this.quarantines = new Quarantines(store);
        this.receivedBytes = metrics.upstreamBlobBytes().labels(registry);
        this.refusedBlobs = metrics.upstreamBlobsRefused().labels(registry);
        this.memory = new UploadMemory(metrics.uploadMemoryBytes(), registry);
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "blob-download-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The download in flight for {@code digest}, if any (a HEAD can answer from it). */
    public BlobDownload inFlight(Digest digest) {
        return inFlight.get(digest);
    }

    /**
     * Follows the download of {@code digest} in flight, or starts one, unless it is {@code
     * tooLate} (a download whose bytes this client came too late for: a new one takes its place);
     * returns null when the blob is (by now) in the store, so the caller serves it from there. A
     * download is followed whichever repository it is for ({@link BlobDownload#repository()}):
     * whether another repository may share it is the caller's to decide. Throws the clients'
     * refusal when a new download would fetch a quarantined blob.
     */
    public SpillableUpload.Follower follow(
            Digest digest, String upstreamRepository, RepositoryName storeName, BlobDownload tooLate) {
        BlobDownload[] started = new BlobDownload[1];
        BlobDownload download = inFlight.compute(
                digest,
                (d, current) -> current != null && current != tooLate
                        ? current
                        : (started[0] = newDownload(d, storeName, upstreamRepository)));
        if (download == null) {
            return null;
        }
        SpillableUpload.Follower follower = download.follow(); // before the first byte of a new download
        if (follower == null) { // over without storing the blob: a new download serves this client
            return follow(digest, upstreamRepository, storeName, download);
        }
        if (started[0] != null) {
            threads.execute(download::run);
        }
        return follower;
    }

    /**
     * The download of {@code digest} in flight, or a new one started without a client, for a blob
     * the cache should hold though nobody asked for it yet ({@link ImageCompletion}); null when
     * the store holds it, or when it is quarantined (skipped). Clients that ask meanwhile follow it
     * as any download.
     */
    public BlobDownload fetchAhead(Digest digest, String upstreamRepository, RepositoryName storeName) {
        BlobDownload[] started = new BlobDownload[1];
        BlobDownload download;
        try {
            download = inFlight.compute(
                    digest,
                    (d, current) ->
                            current != null ? current : (started[0] = newDownload(d, storeName, upstreamRepository)));
        } catch (RegistryException quarantined) {
            return null;
        }
        if (started[0] != null) {
            threads.execute(download::run);
        }
        return download;
    }

    /**
     * A new download of {@code digest}, not started yet; null when the store holds the blob. The
     * one place where a download is made: it throws the clients' refusal for a quarantined blob.
     */
    private BlobDownload newDownload(Digest digest, RepositoryName storeName, String upstreamRepository) {
        if (store.blobSize(digest) >= 0) {
            return null;
        }
        quarantines.refuseIfQuarantined(digest);
        return new BlobDownload(this, digest, storeName, upstreamRepository);
    }

    void ended(BlobDownload download) {
        inFlight.remove(download.digest(), download);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
