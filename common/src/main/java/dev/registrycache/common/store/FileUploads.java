package dev.registrycache.common.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@link FileDatastore#scanUploads}: the blobs being fetched ({@code _uploads/<id>/data} in each
 * repository). The walk skips the link folders, so it costs one listing per repository folder.
 */
final class FileUploads {
    private final StoreLayout layout;
    private final Duration stale;
    private int live;
    private long liveBytes;
    private int dead;
    private long deadBytes;

    FileUploads(StoreLayout layout, Duration stale) {
        this.layout = layout;
        this.stale = stale;
    }

    Datastore.UploadsSummary run(boolean removeStale) {
        long cutoff = System.currentTimeMillis() - stale.toMillis();
        Path root = layout.repositoriesRoot();
        if (Files.isDirectory(root)) {
            visit(root, cutoff, removeStale);
        }
        return new Datastore.UploadsSummary(live, liveBytes, dead, deadBytes);
    }

    private void visit(Path dir, long cutoff, boolean remove) {
        for (Path child : FileDatastore.entries(dir)) {
            String name = child.getFileName().toString();
            if (name.equals(StoreLayout.UPLOADS)) {
                uploads(child, cutoff, remove);
            } else if (!name.equals(StoreLayout.LAYERS)
                    && !name.equals(StoreLayout.MANIFESTS)
                    && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                visit(child, cutoff, remove);
            }
        }
    }

    private void uploads(Path uploadsDir, long cutoff, boolean remove) {
        for (Path upload : FileDatastore.entries(uploadsDir)) {
            try {
                Path data = StoreLayout.dataIn(upload);
                boolean hasData = Files.exists(data);
                long written =
                        Files.getLastModifiedTime(hasData ? data : upload).toMillis();
                if (written >= cutoff) {
                    live++;
                    liveBytes += hasData ? Files.size(data) : 0;
                    continue;
                }
                dead++;
                deadBytes += hasData ? Files.size(data) : 0;
                if (remove) {
                    FileDatastore.deleteTree(upload);
                }
            } catch (IOException finishedMeanwhile) {
                // published or deleted while we looked
            }
        }
    }
}
