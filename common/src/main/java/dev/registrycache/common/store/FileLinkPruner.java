package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link FileDatastore#pruneDangling}: removes what would dangle once blobs are gone, so that the
 * stock registry can still serve what remains: layer links and manifest revisions whose blob is
 * gone, tags whose current manifest is gone, and the folders left empty. Link folders are named
 * by their digest, so a link is judged from its folder's name, without reading it.
 */
final class FileLinkPruner {
    private final FileDatastore store;
    private final Datastore.BlobPresence presence;
    private final IoWorkers workers;
    private final AtomicInteger links = new AtomicInteger();
    private final AtomicInteger tags = new AtomicInteger();
    private final AtomicInteger folders = new AtomicInteger();
    private boolean dryRun;

    FileLinkPruner(FileDatastore store, Datastore.BlobPresence presence, IoWorkers workers) {
        this.store = store;
        this.presence = presence;
        this.workers = workers;
    }

    /**
     * Walks the repository folders, pruning each repository's link folders as a task of its own
     * (across the workers' threads), then removes the folders left empty, deepest first.
     */
    Datastore.PruneSummary prune(boolean dryRun) {
        this.dryRun = dryRun;
        Path root = store.layout().repositoriesRoot();
        if (Files.isDirectory(root)) {
            List<Runnable> tasks = new ArrayList<>();
            List<Path> emptied = new ArrayList<>();
            visit(root, tasks, emptied);
            workers.all(tasks);
            emptied.forEach(this::removeIfEmpty);
        }
        return new Datastore.PruneSummary(links.get(), tags.get(), folders.get());
    }

    private boolean isStored(String algorithm, String hex) {
        byte[] hash = StoreLayout.hashOf(algorithm, hex);
        if (hash == null) {
            return true; // not a link of ours: leave it
        }
        return presence.stored(Digest.Algorithm.byId(algorithm), hash);
    }

    /**
     * Finds the repositories under {@code dir}: their special folders become tasks; every folder
     * met is added to {@code emptied} after its children (deepest first), to be removed if empty.
     */
    private void visit(Path dir, List<Runnable> tasks, List<Path> emptied) {
        for (Path child : FileDatastore.entries(dir)) {
            String name = child.getFileName().toString();
            switch (name) {
                case StoreLayout.LAYERS -> tasks.add(() -> pruneLinkFolders(child));
                case StoreLayout.MANIFESTS ->
                    tasks.add(() -> {
                        pruneLinkFolders(StoreLayout.revisionsOf(child));
                        pruneTags(StoreLayout.tagsOf(child));
                        removeIfEmpty(child);
                    });
                case StoreLayout.UPLOADS ->
                    tasks.add(() -> removeIfEmpty(child)); // its uploads are scanUploads' business
                default -> {
                    if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                        visit(child, tasks, emptied);
                        emptied.add(child);
                    }
                }
            }
        }
    }

    /** {@code <folder>/<alg>/<hex>/link}: removes the {@code <hex>} folders whose blob is gone. */
    private void pruneLinkFolders(Path folder) {
        for (Path algorithm : FileDatastore.entries(folder)) {
            for (Path hexDir : FileDatastore.entries(algorithm)) {
                if (!isStored(
                        algorithm.getFileName().toString(), hexDir.getFileName().toString())) {
                    links.incrementAndGet();
                    if (!dryRun) {
                        deleteLinkFolder(hexDir);
                    }
                }
            }
            removeIfEmpty(algorithm);
        }
        removeIfEmpty(folder);
    }

    private void pruneTags(Path tagsDir) {
        for (Path tag : FileDatastore.entries(tagsDir)) {
            Digest current = LinkFile.read(StoreLayout.currentLinkOfTag(tag));
            if (current != null && !isStored(current.algorithm().id(), current.hex())) {
                tags.incrementAndGet();
                if (!dryRun) {
                    FileDatastore.deleteTree(tag);
                }
                continue;
            }
            pruneLinkFolders(StoreLayout.indexOfTag(tag));
            removeIfEmpty(tag);
        }
        removeIfEmpty(tagsDir);
    }

    private void removeIfEmpty(Path dir) {
        if (dryRun || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.delete(dir); // only succeeds when empty
            folders.incrementAndGet();
        } catch (DirectoryNotEmptyException | NoSuchFileException ignored) {
            // in use
        } catch (IOException ignored) {
            // not ours to remove
        }
    }

    /** A link folder holds just its {@code link} file: two unlinks, or the whole tree if it holds more. */
    private static void deleteLinkFolder(Path hexDir) {
        FileDatastore.deleteQuietly(StoreLayout.linkIn(hexDir));
        try {
            Files.deleteIfExists(hexDir);
        } catch (IOException e) {
            FileDatastore.deleteTree(hexDir);
        }
    }
}
