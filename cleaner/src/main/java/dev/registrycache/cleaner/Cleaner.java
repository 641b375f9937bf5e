package dev.registrycache.cleaner;

import dev.registrycache.common.ByteSize;
import dev.registrycache.common.StoreLayout;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * One cleaning pass: when the blob store is over MAXSIZE × (1 + p/100), deletes blobs least
 * recently used first until it is at or under MAXSIZE, never one used or written within the
 * grace period; then removes what would dangle. Prints one summary line.
 */
final class Cleaner {
    /** What a pass did. */
    record Pass(long before, long after, int deleted, long freed, int candidates, DanglingLinks.Result pruned, long millis) {
    }

    private final StoreLayout layout;
    private final long maxBytes;
    private final int thresholdPercent;
    private final Duration grace;
    private final PrintStream out;
    private boolean firstPass = true;

    Cleaner(StoreLayout layout, ByteSize max, int thresholdPercent, Duration grace, PrintStream out) {
        this.layout = layout;
        this.maxBytes = max.bytes();
        this.thresholdPercent = thresholdPercent;
        this.grace = grace;
        this.out = out;
    }

    long thresholdBytes() {
        return maxBytes + maxBytes / 100 * thresholdPercent + maxBytes % 100 * thresholdPercent / 100;
    }

    Pass run(boolean dryRun) throws IOException {
        long t0 = System.nanoTime();
        BlobScan scan = BlobScan.of(layout.blobsRoot());
        long before = scan.totalBytes();
        long size = before;
        int deleted = 0;
        long freed = 0;
        java.util.Set<String> gone = new java.util.HashSet<>();
        if (before > thresholdBytes()) {
            long protectedSince = System.currentTimeMillis() - grace.toMillis();
            for (int i : scan.leastRecentlyUsedFirst()) {
                if (size <= maxBytes) {
                    break;
                }
                if (scan.lastUse(i) > protectedSince) {
                    continue; // used or written within the grace period
                }
                Path data = layout.blobData(scan.digest(i));
                if (dryRun) {
                    out.println("would delete " + scan.digest(i) + " " + ByteSize.ofBytes(scan.size(i))
                            + " (last used " + java.time.Instant.ofEpochMilli(scan.lastUse(i)) + ")");
                } else if (!BlobScan.deleteQuietly(data)) {
                    continue;
                } else {
                    BlobScan.deleteQuietly(data.getParent());
                }
                deleted++;
                gone.add(scan.digest(i).toString());
                freed += scan.size(i);
                size -= scan.size(i);
            }
        }
        DanglingLinks.Result pruned = new DanglingLinks.Result(0, 0, 0, 0);
        if (deleted > 0 || firstPass) {
            // after deletions, and once per process (for blobs deleted by other means and dead uploads)
            java.util.Set<String> stored = new java.util.HashSet<>(scan.count() * 2);
            for (int i = 0; i < scan.count(); i++) {
                String d = scan.digest(i).toString();
                if (dryRun || !gone.contains(d)) {
                    stored.add(d);
                }
            }
            pruned = new DanglingLinks(layout, Duration.ofHours(1), stored).prune(dryRun);
            firstPass = false;
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Pass pass = new Pass(before, size, deleted, freed, scan.count(), pruned, millis);
        out.println(summary(pass, dryRun));
        return pass;
    }

    private String summary(Pass p, boolean dryRun) {
        return String.format(Locale.ROOT, "cleaner%s: store %s in %d blobs before, %s after (max %s, cleaning above %s); "
                        + "%s %d blobs, %s freed; removed %d dangling links, %d tags, %d dead uploads; %d ms",
                dryRun ? " (dry run)" : "", ByteSize.ofBytes(p.before()), p.candidates(), ByteSize.ofBytes(p.after()),
                ByteSize.ofBytes(maxBytes), ByteSize.ofBytes(thresholdBytes()), dryRun ? "would delete" : "deleted",
                p.deleted(), ByteSize.ofBytes(p.freed()), p.pruned().links(), p.pruned().tags(), p.pruned().uploads(), p.millis());
    }

    static boolean storeExists(StoreLayout layout) {
        return Files.isDirectory(layout.root());
    }
}
