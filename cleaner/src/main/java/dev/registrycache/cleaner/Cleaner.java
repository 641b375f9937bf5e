package dev.registrycache.cleaner;

import dev.registrycache.common.marks.Pins;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.ByteSize;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.common.store.IoWorkers;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cleaning pass: when the blob store is over MAXSIZE × (1 + p/100), deletes blobs least
 * recently used first until it is at or under MAXSIZE, never one used or written within the
 * grace period nor one of a pinned image; then removes what would dangle. Pinned blobs and
 * uploads in progress count in the size; uploads left by a node that died are removed on every
 * pass. Prints one summary line.
 */
final class Cleaner {
    private static final Logger LOG = LoggerFactory.getLogger(Cleaner.class);

    /**
     * A download not written to for this long is dead: a node gives up on an upstream that sends
     * nothing for 2 minutes. Independent of the blobs' grace period, which may be 0.
     */
    static final Duration STALE_UPLOAD = Duration.ofMinutes(10);

    /** What a pass did. */
    record Pass(
            long before,
            long after,
            int deleted,
            long freed,
            int candidates,
            Datastore.PruneSummary pruned,
            Datastore.UploadsSummary uploads,
            long scanMillis,
            long deleteMillis,
            long linksMillis,
            long millis,
            Marks marks) {}

    /** The operators' marks a pass found: the pins (images, and the bytes they keep stored) and the quarantine. */
    record Marks(int pinnedImages, long pinnedBytes, int quarantined) {}

    private final Datastore datastore;
    private final long maxBytes;
    private final int thresholdPercent;
    private final Duration grace;
    private final PrintStream out;
    private boolean firstPass = true;
    private int ioThreads = IoWorkers.THREADS;
    private BooleanSupplier mayDelete = () -> true;

    Cleaner(Datastore datastore, ByteSize max, int thresholdPercent, Duration grace, PrintStream out) {
        this.datastore = datastore;
        this.maxBytes = max.bytes();
        this.thresholdPercent = thresholdPercent;
        this.grace = grace;
        this.out = out;
    }

    /** How many threads scan, delete and prune (1: the calling thread alone). */
    Cleaner ioThreads(int threads) {
        this.ioThreads = threads;
        return this;
    }

    /** Deletes only while {@code turn} says so (the cleaner lease of replicas sharing the datastore). */
    Cleaner whileHolding(BooleanSupplier turn) {
        this.mayDelete = turn;
        return this;
    }

    long maxBytes() {
        return maxBytes;
    }

    long thresholdBytes() {
        return maxBytes + maxBytes / 100 * thresholdPercent + maxBytes % 100 * thresholdPercent / 100;
    }

    Pass run(boolean dryRun) {
        try (IoWorkers workers = new IoWorkers(ioThreads)) {
            return run(dryRun, workers);
        }
    }

    private Pass run(boolean dryRun, IoWorkers workers) {
        long t0 = System.nanoTime();
        Datastore.UploadsSummary uploads = datastore.scanUploads(STALE_UPLOAD, !dryRun);
        BlobScan scan = BlobScan.of(datastore, workers);
        long scanned = System.nanoTime();
        long before = scan.totalBytes() + uploads.liveBytes();
        Pins.Protected pinned = new Pins(datastore).protectedContent();
        warnIfPinsExceedTheMax(pinned);
        Deletion deletion = before > thresholdBytes()
                ? deleteLeastRecentlyUsed(scan, pinned.digests(), uploads.liveBytes(), dryRun, workers)
                : new Deletion(0, 0);
        long size = before - deletion.freed();
        long deletedAt = System.nanoTime();
        Datastore.PruneSummary pruned = new Datastore.PruneSummary(0, 0, 0);
        if ((deletion.blobs() > 0 || firstPass) && (dryRun || mayDelete.getAsBoolean())) {
            // after deletions, and once per process (for blobs deleted by other means)
            pruned = datastore.pruneDangling(presence(scan), dryRun, workers);
            firstPass = false;
        }
        long end = System.nanoTime();
        Pass pass = new Pass(
                before,
                size,
                deletion.blobs(),
                deletion.freed(),
                scan.count(),
                pruned,
                uploads,
                millis(t0, scanned),
                millis(scanned, deletedAt),
                millis(deletedAt, end),
                millis(t0, end),
                new Marks(
                        pinned.pins(),
                        pinned.storedBytes(),
                        new Quarantines(datastore).all().size()));
        out.println(summary(pass, dryRun));
        return pass;
    }

    private record Deletion(int blobs, long freed) {}

    /** Pinned bytes above MAXSIZE: the store cannot get under it, whatever else goes. One WARN a pass. */
    private void warnIfPinsExceedTheMax(Pins.Protected pinned) {
        if (pinned.storedBytes() > maxBytes) {
            LOG.warn(
                    "pins hold {} of max {} (CLEANER_MAXSIZE): the store stays above its max whatever else is "
                            + "evicted; unpin images or raise the max",
                    ByteSize.ofBytes(pinned.storedBytes()),
                    ByteSize.ofBytes(maxBytes));
        }
    }

    /**
     * Deletes (or, dry, lists) the least recently used blobs outside the grace period and not
     * {@code pinned} until the store is at or under MAXSIZE: the blobs that get it there are
     * deleted together, across the workers; another round only if some of them were gone already
     * (deleted by someone else).
     */
    private Deletion deleteLeastRecentlyUsed(
            BlobScan scan, Set<Digest> pinned, long uploadBytes, boolean dryRun, IoWorkers workers) {
        long protectedSince = System.currentTimeMillis() - grace.toMillis();
        int[] order = scan.leastRecentlyUsedFirst();
        long size = scan.totalBytes() + uploadBytes;
        int deleted = 0;
        int next = 0;
        while (size > maxBytes && next < order.length) {
            int[] victims = new int[order.length - next];
            int n = 0;
            long projected = size;
            for (; next < order.length && projected > maxBytes; next++) {
                int i = order[next];
                // else used or written within the grace period, or pinned
                if (scan.lastUse(i) <= protectedSince && !pinned.contains(scan.digest(i))) {
                    victims[n++] = i;
                    projected -= scan.size(i);
                }
            }
            if (!dryRun) {
                Arrays.sort(victims, 0, n); // the scan's order, the store's: on files, neighbours share folder blocks
            }
            boolean[] gone = dryRun
                    ? null
                    : workers.each(n, k -> mayDelete.getAsBoolean() && datastore.deleteBlob(scan.digest(victims[k])));
            for (int k = 0; k < n; k++) {
                int i = victims[k];
                if (dryRun) {
                    out.println("would delete " + scan.digest(i) + " " + ByteSize.ofBytes(scan.size(i)) + " (last used "
                            + Instant.ofEpochMilli(scan.lastUse(i)) + ")");
                } else if (!gone[k]) {
                    continue;
                }
                deleted++;
                scan.markDeleted(i);
                size -= scan.size(i);
            }
        }
        return new Deletion(deleted, scan.totalBytes() + uploadBytes - size);
    }

    /**
     * Whether a blob named by a link is stored, judged against the pass's scan (with the blobs it
     * deleted marked): only a blob the scan did not see costs a look at the store, so that one
     * published meanwhile is not mistaken for a missing one.
     */
    private Datastore.BlobPresence presence(BlobScan scan) {
        return (algorithm, hash) -> switch (scan.lookup(hash)) {
            case STORED -> true;
            case DELETED -> false;
            case UNSEEN -> datastore.blobSize(Digest.fromHash(algorithm, hash)) >= 0;
        };
    }

    private static long millis(long from, long to) {
        return (to - from) / 1_000_000;
    }

    private String summary(Pass p, boolean dryRun) {
        return String.format(
                Locale.ROOT,
                "cleaner%s: store %s in %d blobs before, %s after (max %s, cleaning above %s); "
                        + "%s %d blobs, %s freed; %s %d dangling links, %d tags, %d dead uploads (%d in progress, %s); "
                        + "pinned: %d images, %s; quarantined: %d digests; scan %d ms, delete %d ms, links %d ms; %d ms",
                dryRun ? " (dry run)" : "",
                ByteSize.ofBytes(p.before()),
                p.candidates(),
                ByteSize.ofBytes(p.after()),
                ByteSize.ofBytes(maxBytes),
                ByteSize.ofBytes(thresholdBytes()),
                dryRun ? "would delete" : "deleted",
                p.deleted(),
                ByteSize.ofBytes(p.freed()),
                dryRun ? "would remove" : "removed",
                p.pruned().links(),
                p.pruned().tags(),
                p.uploads().stale(),
                p.uploads().live(),
                ByteSize.ofBytes(p.uploads().liveBytes()),
                p.marks().pinnedImages(),
                ByteSize.ofBytes(p.marks().pinnedBytes()),
                p.marks().quarantined(),
                p.scanMillis(),
                p.deleteMillis(),
                p.linksMillis(),
                p.millis());
    }

    /** The store's size now (blobs and every upload's bytes), without cleaning: for the size gauge between passes. */
    long storeBytes() {
        try (IoWorkers workers = new IoWorkers(ioThreads)) {
            Datastore.UploadsSummary uploads = datastore.scanUploads(STALE_UPLOAD, false);
            return BlobScan.of(datastore, workers).totalBytes() + uploads.liveBytes() + uploads.staleBytes();
        }
    }
}
