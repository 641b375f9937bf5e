package dev.registrycache.common.store;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@link Datastore#scanUploads}: the blobs being fetched ({@code _uploads/<id>/data} in each
 * repository). The walk skips the link folders, so it costs one listing per repository folder and
 * one of each {@code _uploads}. An upload folder without its data (a crash before the first
 * write) is stale and removed with the stale uploads.
 */
final class UploadScan {
    private final StorageDriver driver;
    private final Duration stale;
    private int live;
    private long liveBytes;
    private int dead;
    private long deadBytes;

    UploadScan(StorageDriver driver, Duration stale) {
        this.driver = driver;
        this.stale = stale;
    }

    Datastore.UploadsSummary run(boolean removeStale) {
        long cutoff = System.currentTimeMillis() - stale.toMillis();
        visit(StoreKeys.repositoriesRoot(), cutoff, removeStale);
        return new Datastore.UploadsSummary(live, liveBytes, dead, deadBytes);
    }

    private void visit(String folder, long cutoff, boolean remove) {
        for (String name : BestEffort.names(driver, folder)) {
            String child = StoreKeys.join(folder, name);
            if (name.equals(StoreKeys.UPLOADS)) {
                uploads(child, cutoff, remove);
            } else if (!name.equals(StoreKeys.LAYERS) && !name.equals(StoreKeys.MANIFESTS)) {
                visit(child, cutoff, remove);
            }
        }
    }

    private void uploads(String uploadsDir, long cutoff, boolean remove) {
        List<StorageDriver.Child> withData;
        try {
            withData = driver.listObjects(uploadsDir, StoreKeys.DATA);
        } catch (IOException e) {
            return;
        }
        Set<String> seen = new HashSet<>();
        for (StorageDriver.Child upload : withData) {
            seen.add(upload.name());
            if (upload.info().modifiedMillis() >= cutoff) {
                live++;
                liveBytes += upload.info().size();
                continue;
            }
            dead++;
            deadBytes += upload.info().size();
            if (remove) {
                BestEffort.deleteTree(driver, StoreKeys.join(uploadsDir, upload.name()));
            }
        }
        for (String name : BestEffort.names(driver, uploadsDir)) {
            if (!seen.contains(name)) {
                // a folder without data: left by a node that died before writing (or being made this
                // instant, whose writer makes it again); removed only while empty
                dead++;
                if (remove) {
                    driver.deleteEmptyFolders(StoreKeys.join(uploadsDir, name), uploadsDir);
                }
            }
        }
    }
}
