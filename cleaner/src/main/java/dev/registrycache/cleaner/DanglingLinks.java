package dev.registrycache.cleaner;

import dev.registrycache.common.Digest;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.StoreLayout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * After blobs are deleted, removes what would dangle, so that the stock registry can still serve
 * what remains: layer links and manifest revisions whose blob is gone, tags whose current
 * manifest is gone, temporary files of transfers that died, and the folders left empty.
 * Link folders are named by their digest, so a link is judged from its folder's name against
 * the blobs the pass saw; only a name the pass did not see costs a look at the disk (a blob
 * published meanwhile is not mistaken for a missing one).
 */
final class DanglingLinks {
    record Result(int links, int tags, int uploads, int folders) {
    }

    private final StoreLayout layout;
    private final Duration staleUpload;
    private final Set<String> stored;
    private int links;
    private int tags;
    private int uploads;
    private int folders;
    private boolean dryRun;

    /** {@code stored}: {@code <alg>:<hex>} of every blob known to be in the store after the pass. */
    DanglingLinks(StoreLayout layout, Duration staleUpload, Set<String> stored) {
        this.layout = layout;
        this.staleUpload = staleUpload;
        this.stored = stored;
    }

    Result prune(boolean dryRun) throws IOException {
        this.dryRun = dryRun;
        Path root = layout.repositoriesRoot();
        if (Files.isDirectory(root)) {
            visit(root, root);
        }
        return new Result(links, tags, uploads, folders);
    }

    private boolean isStored(String algorithm, String hex) {
        if (stored.contains(algorithm + ":" + hex)) {
            return true;
        }
        try {
            return Files.exists(layout.blobData(Digest.parse(algorithm + ":" + hex)));
        } catch (InvalidValueException e) {
            return true; // not a link of ours: leave it
        }
    }

    /** Walks repository folders; the special folders of a repository are handled without descending link by link. */
    private void visit(Path dir, Path root) throws IOException {
        for (Path child : list(dir)) {
            String name = child.getFileName().toString();
            switch (name) {
                case "_layers" -> pruneLinkFolders(child);
                case "_manifests" -> {
                    pruneLinkFolders(child.resolve("revisions"));
                    pruneTags(child.resolve("tags"));
                }
                case "_uploads" -> pruneUploads(child);
                default -> {
                    if (Files.isDirectory(child)) {
                        visit(child, root);
                    }
                }
            }
            removeIfEmpty(child);
        }
    }

    /** {@code <folder>/<alg>/<hex>/link}: removes the {@code <hex>} folders whose blob is gone. */
    private void pruneLinkFolders(Path folder) throws IOException {
        for (Path algorithm : list(folder)) {
            for (Path hexDir : list(algorithm)) {
                if (!isStored(algorithm.getFileName().toString(), hexDir.getFileName().toString())) {
                    links++;
                    if (!dryRun) {
                        deleteTree(hexDir);
                    }
                }
            }
            removeIfEmpty(algorithm);
        }
        removeIfEmpty(folder);
    }

    private void pruneTags(Path tagsDir) throws IOException {
        for (Path tag : list(tagsDir)) {
            Digest current = readLink(tag.resolve("current").resolve("link"));
            if (current != null && !isStored(current.algorithm().id(), current.hex())) {
                tags++;
                if (!dryRun) {
                    deleteTree(tag);
                }
                continue;
            }
            pruneLinkFolders(tag.resolve("index"));
            removeIfEmpty(tag);
        }
        removeIfEmpty(tagsDir);
    }

    private void pruneUploads(Path uploadsDir) throws IOException {
        long cutoff = System.currentTimeMillis() - staleUpload.toMillis();
        for (Path upload : list(uploadsDir)) {
            try {
                Path data = upload.resolve("data");
                long written = Files.exists(data) ? Files.getLastModifiedTime(data).toMillis() : Files.getLastModifiedTime(upload).toMillis();
                if (written < cutoff) {
                    uploads++;
                    if (!dryRun) {
                        deleteTree(upload);
                    }
                }
            } catch (NoSuchFileException ignored) {
                // finished meanwhile
            }
        }
        removeIfEmpty(uploadsDir);
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(out::add);
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return out;
        }
        return out;
    }

    private void removeIfEmpty(Path dir) {
        if (dryRun || !Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.delete(dir); // only succeeds when empty (and a file is never deleted: only folders reach here empty)
            folders++;
        } catch (DirectoryNotEmptyException | NoSuchFileException ignored) {
            // in use
        } catch (IOException ignored) {
            // not ours to remove
        }
    }

    private static Digest readLink(Path link) {
        try {
            byte[] b = Files.readAllBytes(link);
            return b.length > 200 ? null : Digest.parse(new String(b, StandardCharsets.US_ASCII).trim());
        } catch (IOException | InvalidValueException e) {
            return null;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                BlobScan.deleteQuietly(p);
            }
        } catch (NoSuchFileException ignored) {
            // gone already
        }
    }
}
