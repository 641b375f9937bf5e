package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Datastore#pruneDangling}: removes what would dangle once blobs are gone, so that the
 * stock registry can still serve what remains: layer links and manifest revisions whose blob is
 * gone, tags whose current manifest is gone, and the folders left empty. Link folders are named
 * by their digest, so a link is judged from its folder's name, without reading it.
 */
final class LinkPruner {
    private final StorageDriver driver;
    private final Datastore.BlobPresence presence;
    private final IoWorkers workers;
    private final AtomicInteger links = new AtomicInteger();
    private final AtomicInteger tags = new AtomicInteger();
    private final AtomicInteger folders = new AtomicInteger();
    private boolean dryRun;

    LinkPruner(StorageDriver driver, Datastore.BlobPresence presence, IoWorkers workers) {
        this.driver = driver;
        this.presence = presence;
        this.workers = workers;
    }

    /**
     * Walks the repository folders, pruning each repository's link folders as a task of its own
     * (across the workers' threads), then removes the folders left empty, deepest first.
     */
    Datastore.PruneSummary prune(boolean dryRun) {
        this.dryRun = dryRun;
        List<Runnable> tasks = new ArrayList<>();
        List<String> emptied = new ArrayList<>();
        visit(StoreKeys.repositoriesRoot(), tasks, emptied);
        workers.all(tasks);
        emptied.forEach(this::removeIfEmpty);
        return new Datastore.PruneSummary(links.get(), tags.get(), folders.get());
    }

    private boolean isStored(String algorithm, String hex) {
        byte[] hash = StoreKeys.hashOf(algorithm, hex);
        if (hash == null) {
            return true; // not a link of ours: leave it
        }
        return presence.stored(Digest.Algorithm.byId(algorithm), hash);
    }

    /**
     * Finds the repositories under {@code folder}: their special folders become tasks; every folder
     * met is added to {@code emptied} after its children (deepest first), to be removed if empty.
     */
    private void visit(String folder, List<Runnable> tasks, List<String> emptied) {
        for (String name : BestEffort.names(driver, folder)) {
            String child = StoreKeys.join(folder, name);
            switch (name) {
                case StoreKeys.LAYERS -> tasks.add(() -> pruneLinkFolders(child));
                case StoreKeys.MANIFESTS ->
                    tasks.add(() -> {
                        pruneLinkFolders(StoreKeys.join(child, StoreKeys.REVISIONS));
                        pruneTags(StoreKeys.join(child, StoreKeys.TAGS));
                        removeIfEmpty(child);
                    });
                case StoreKeys.UPLOADS -> tasks.add(() -> removeIfEmpty(child)); // its uploads are scanUploads'
                default -> {
                    visit(child, tasks, emptied);
                    emptied.add(child);
                }
            }
        }
    }

    /** {@code <folder>/<alg>/<hex>/link}: removes the {@code <hex>} folders whose blob is gone. */
    private void pruneLinkFolders(String folder) {
        for (String algorithm : BestEffort.names(driver, folder)) {
            String algorithmDir = StoreKeys.join(folder, algorithm);
            for (String hex : BestEffort.names(driver, algorithmDir)) {
                if (!isStored(algorithm, hex)) {
                    links.incrementAndGet();
                    if (!dryRun) {
                        BestEffort.deleteTree(driver, StoreKeys.join(algorithmDir, hex));
                    }
                }
            }
            removeIfEmpty(algorithmDir);
        }
        removeIfEmpty(folder);
    }

    private void pruneTags(String tagsDir) {
        for (String name : BestEffort.names(driver, tagsDir)) {
            String tag = StoreKeys.join(tagsDir, name);
            Digest current = LinkFile.read(driver, StoreKeys.currentLinkOfTag(tag));
            if (current != null && !isStored(current.algorithm().id(), current.hex())) {
                tags.incrementAndGet();
                if (!dryRun) {
                    BestEffort.deleteTree(driver, tag);
                }
                continue;
            }
            pruneLinkFolders(StoreKeys.indexOfTag(tag));
            removeIfEmpty(tag);
        }
        removeIfEmpty(tagsDir);
    }

    private void removeIfEmpty(String folder) {
        if (!dryRun && driver.deleteEmptyFolders(folder, StoreKeys.parent(folder))) {
            folders.incrementAndGet();
        }
    }
}
