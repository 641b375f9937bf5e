package dev.registrycache.cleaner;

import dev.registrycache.common.store.StoreLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The blobs being fetched ({@code _uploads/<id>/data} in each repository), looked at on every
 * pass: their bytes count in the store's size (they are on the disk the cleaner keeps from
 * filling), and those not written to for {@link #STALE}, left by a node that died, are deleted.
 * The walk skips the link folders, so it costs one listing per repository folder.
 */
final class UploadScan {
    /**
     * A download not written to for this long is dead: a node gives up on an upstream that sends
     * nothing for 2 minutes. Independent of the blobs' grace period, which may be 0.
     */
    static final Duration STALE = Duration.ofMinutes(10);

    /** Uploads still being written and their bytes; uploads deleted (or, dry, to delete) as dead. */
    record Result(int live, long liveBytes, int dead) {
    }

    private final StoreLayout layout;
    private final Duration stale;
    private int live;
    private long liveBytes;
    private int dead;

    UploadScan(StoreLayout layout, Duration stale) {
        this.layout = layout;
        this.stale = stale;
    }

    /** Measures the uploads and, unless {@code measureOnly} or {@code dryRun}, deletes the dead ones. */
    Result run(boolean dryRun, boolean measureOnly) {
        long cutoff = System.currentTimeMillis() - stale.toMillis();
        Path root = layout.repositoriesRoot();
        if (Files.isDirectory(root)) {
            visit(root, cutoff, dryRun || measureOnly, measureOnly);
        }
        return new Result(live, liveBytes, dead);
    }

    private void visit(Path dir, long cutoff, boolean keep, boolean measureOnly) {
        for (Path child : DanglingLinks.list(dir)) {
            String name = child.getFileName().toString();
            if (name.equals(StoreLayout.UPLOADS)) {
                uploads(child, cutoff, keep, measureOnly);
            } else if (!name.equals(StoreLayout.LAYERS) && !name.equals(StoreLayout.MANIFESTS)
                    && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                visit(child, cutoff, keep, measureOnly);
            }
        }
    }

    private void uploads(Path uploadsDir, long cutoff, boolean keep, boolean measureOnly) {
        for (Path upload : DanglingLinks.list(uploadsDir)) {
            try {
                Path data = StoreLayout.dataIn(upload);
                boolean hasData = Files.exists(data);
                long written = Files.getLastModifiedTime(hasData ? data : upload).toMillis();
                if (written >= cutoff || measureOnly) {
                    live++;
                    liveBytes += hasData ? Files.size(data) : 0;
                    continue;
                }
                dead++;
                if (!keep) {
                    DanglingLinks.deleteTree(upload);
                }
            } catch (IOException finishedMeanwhile) {
                // published or deleted while we looked
            }
        }
    }
}
