package dev.registrycache.node.cache;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ManifestLimitException;
import dev.registrycache.common.oci.ManifestSummary;
import dev.registrycache.common.oci.NameMapping;
import dev.registrycache.common.store.Datastore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every image a client pulled whole. A client that already has some layers never asks for
 * them, so the cache would never hold them, and the next client could not pull the image while the
 * upstream is down. So when the node serves an image manifest (an index's children come as their
 * own manifests, for the platforms clients ask for), it fetches in the background, once per
 * manifest, each of its blobs the store lacks, none quarantined: through {@link
 * BlobDownloads#fetchAhead}, the same one download per blob that clients follow, on {@value
 * #WORKERS} low-priority threads per node, one blob at a time each, so that client requests come
 * first. A full queue drops the work (the next pull of the image offers it again).
 */
public final class ImageCompletion implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImageCompletion.class);
    static final int WORKERS = 2;
    private static final int QUEUE = 1_000;
    /** Manifests remembered as completed (or being completed): each pull of them offers nothing more. */
    private static final int REMEMBERED = 10_000;

    private final Datastore store;
    private final BlobDownloads downloads;
    private final ThreadPoolExecutor workers;
    private final DoubleAdder fetchedBytes;
    private final Metrics.Counter blobs;
    private final String registry;
    private final Map<Digest, Boolean> offered = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Digest, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    public ImageCompletion(
            Datastore store, BlobDownloads downloads, String registry, Metrics.Counter bytes, Metrics.Counter blobs) {
        this.store = store;
        this.downloads = downloads;
        this.registry = registry;
        this.fetchedBytes = bytes.labels(registry);
        this.blobs = blobs;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(
                WORKERS,
                WORKERS,
                60,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE),
                r -> {
                    Thread t = new Thread(r, "image-completion-" + n.incrementAndGet());
                    t.setDaemon(true);
                    t.setPriority(Thread.MIN_PRIORITY);
                    return t;
                },
                new ThreadPoolExecutor.DiscardPolicy());
        workers.allowCoreThreadTimeOut(true);
    }

    /**
     * A client was served {@code manifest} of {@code names}' repository. An index names no blobs:
     * its children are completed as clients ask for them.
     */
    public void served(NameMapping.Names names, Digest manifest, byte[] bytes) {
        synchronized (offered) {
            if (offered.put(manifest, Boolean.TRUE) != null) {
                return;
            }
        }
        workers.execute(() -> complete(names, manifest, bytes));
    }

    private void complete(NameMapping.Names names, Digest manifest, byte[] bytes) {
        ManifestSummary summary;
        try {
            summary = ManifestSummary.read(bytes);
        } catch (ManifestLimitException e) {
            return;
        }
        for (Digest blob : summary.blobs()) {
            if (store.blobSize(blob) >= 0) {
                // held, perhaps for another repository: the image's manifest confirms this one has it
                linkQuietly(names, blob);
                continue;
            }
            BlobDownload download = downloads.fetchAhead(blob, names.upstream(), names.store());
            if (download == null) {
                continue;
            }
            try {
                download.awaitVerified();
                long size = store.blobSize(blob);
                if (size >= 0) {
                    fetchedBytes.add(size);
                    blobs.labels(registry, "fetched").add(1);
                }
            } catch (IOException e) {
                blobs.labels(registry, "failed").add(1);
                LOG.info(
                        "completing image {} of {}: blob {} not fetched ({})",
                        manifest,
                        names.upstream(),
                        blob,
                        Reasons.of(e));
                forget(manifest); // the next pull of the image tries again
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void linkQuietly(NameMapping.Names names, Digest blob) {
        try {
            store.linkLayer(names.store(), blob);
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot link blob {} to {}: {}", blob, names.store(), e.getMessage());
        }
    }

    private void forget(Digest manifest) {
        synchronized (offered) {
            offered.remove(manifest);
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
