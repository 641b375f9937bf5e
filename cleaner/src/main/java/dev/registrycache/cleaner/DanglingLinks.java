package dev.registrycache.cleaner;

import dev.registrycache.common.store.IoWorkers;
import dev.registrycache.common.Digest;
import dev.registrycache.common.store.LinkFile;
import dev.registrycache.common.store.StoreLayout;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * After blobs are deleted, removes what would dangle, so that the stock registry can still serve
 * what remains: layer links and manifest revisions whose blob is gone, tags whose current
 * manifest is gone, temporary files of transfers that died, and the folders left empty.
 * Link folders are named by their digest, so a link is judged from its folder's name against
 * the blobs the pass saw; only a name the pass did not see costs a look at the disk (a blob
 * published meanwhile is not mistaken for a missing one).
 */
final class DanglingLinks {
    record Result(int links, int tags, int folders) {
    }

    private final StoreLayout layout;
    private final BlobScan scan;
    private final IoWorkers workers;
    private final AtomicInteger links = new AtomicInteger();
    private final AtomicInteger tags = new AtomicInteger();
    private final AtomicInteger folders = new AtomicInteger();
    private boolean dryRun;

    /** {@code scan}: the blobs of the pass, those it deleted (or would delete) marked; {@code workers}: its threads. */
    DanglingLinks(StoreLayout layout, BlobScan scan, IoWorkers workers) {
        this.layout = layout;
        this.scan = scan;
        this.workers = workers;
    }

    /**
     * Walks the repository folders, pruning each repository's link folders as a task of its own
     * (across the workers's threads), then removes the folders left empty, deepest first.
     */
    Result prune(boolean dryRun) {
        this.dryRun = dryRun;
        Path root = layout.repositoriesRoot();
        if (Files.isDirectory(root)) {
            List<Runnable> tasks = new ArrayList<>();
            List<Path> emptied = new ArrayList<>();
            visit(root, tasks, emptied);
            workers.all(tasks);
            emptied.forEach(this::removeIfEmpty);
        }
        return new Result(links.get(), tags.get(), folders.get());
    }

    private boolean isStored(String algorithm, String hex) {
        byte[] hash = StoreLayout.hashOf(algorithm, hex);
        if (hash == null) {
            return true; // not a link of ours: leave it
        }
        return switch (scan.lookup(hash)) {
            case STORED -> true;
            case DELETED -> false;
            case UNSEEN -> Files.exists(layout.blobData(Digest.fromHash(Digest.Algorithm.byId(algorithm), hash))); // published meanwhile?
        };
    }

    /**
     * Finds the repositories under {@code dir}: their special folders become tasks; every folder
     * met is added to {@code emptied} after its children (deepest first), to be removed if empty.
     */
    private void visit(Path dir, List<Runnable> tasks, List<Path> emptied) {
        for (Path child : list(dir)) {
            String name = child.getFileName().toString();
            switch (name) {
                case StoreLayout.LAYERS -> tasks.add(() -> pruneLinkFolders(child));
                case StoreLayout.MANIFESTS -> tasks.add(() -> {
                    pruneLinkFolders(StoreLayout.revisionsOf(child));
                    pruneTags(StoreLayout.tagsOf(child));
                    removeIfEmpty(child);
                });
                case StoreLayout.UPLOADS -> {
                    // blobs being fetched: UploadScan's, on every pass
                }
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
        for (Path algorithm : list(folder)) {
            for (Path hexDir : list(algorithm)) {
                if (!isStored(algorithm.getFileName().toString(), hexDir.getFileName().toString())) {
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
        for (Path tag : list(tagsDir)) {
            Digest current = LinkFile.read(StoreLayout.currentLinkOfTag(tag));
            if (current != null && !isStored(current.algorithm().id(), current.hex())) {
                tags.incrementAndGet();
                if (!dryRun) {
                    deleteTree(tag);
                }
                continue;
            }
            pruneLinkFolders(StoreLayout.indexOfTag(tag));
            removeIfEmpty(tag);
        }
        removeIfEmpty(tagsDir);
    }

    /** The entries of {@code dir}; none if it is gone, not a folder, or unreadable (left for the next pass). */
    static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(out::add);
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return out;
        }
        return out;
    }

    private void removeIfEmpty(Path dir) {
        if (dryRun || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.delete(dir); // only succeeds when empty (and a file is never deleted: only folders reach here empty)
            folders.incrementAndGet();
        } catch (DirectoryNotEmptyException | NoSuchFileException ignored) {
            // in use
        } catch (IOException ignored) {
            // not ours to remove
        }
    }

    /** A link folder holds just its {@code link} file: two unlinks, or the whole tree if it holds more. */
    private static void deleteLinkFolder(Path hexDir) {
        BlobScan.deleteQuietly(StoreLayout.linkIn(hexDir));
        try {
            Files.deleteIfExists(hexDir);
        } catch (IOException e) {
            deleteTree(hexDir);
        }
    }

    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                BlobScan.deleteQuietly(p);
            }
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // gone already, or left for the next pass
        }
    }
}
