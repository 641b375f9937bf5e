package dev.registrycache.cleaner;

import dev.registrycache.common.Digest;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.StoreLayout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * After blobs are deleted, removes what would dangle, so that the stock registry can still serve
 * what remains: layer links and manifest revisions whose blob is gone, tags whose current
 * manifest is gone, temporary files of transfers that died, and the folders left empty.
 */
final class DanglingLinks {
    record Result(int links, int tags, int uploads, int folders) {
    }

    private final StoreLayout layout;
    private final Duration staleUpload;

    DanglingLinks(StoreLayout layout, Duration staleUpload) {
        this.layout = layout;
        this.staleUpload = staleUpload;
    }

    Result prune(boolean dryRun) throws IOException {
        int[] counts = new int[4];
        Path root = layout.repositoriesRoot();
        if (!Files.isDirectory(root)) {
            return new Result(0, 0, 0, 0);
        }
        long uploadCutoff = System.currentTimeMillis() - staleUpload.toMillis();
        Predicate<Digest> stored = d -> Files.exists(layout.blobData(d));
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String name = dir.getFileName().toString();
                Path parent = dir.getParent();
                if (parent != null && parent.getFileName().toString().equals("tags") && isManifestsDir(parent.getParent())) {
                    // a tag: gone when its current manifest is gone
                    Digest current = readLink(dir.resolve("current").resolve("link"));
                    if (current != null && !stored.test(current)) {
                        counts[1]++;
                        if (!dryRun) {
                            deleteTree(dir);
                        }
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                }
                if (name.equals("_uploads")) {
                    try (var uploads = Files.list(dir)) {
                        for (Path upload : uploads.toList()) {
                            Path data = upload.resolve("data");
                            long written = Files.exists(data) ? Files.getLastModifiedTime(data).toMillis()
                                    : Files.getLastModifiedTime(upload).toMillis();
                            if (written < uploadCutoff) {
                                counts[2]++;
                                if (!dryRun) {
                                    deleteTree(upload);
                                }
                            }
                        }
                    } catch (NoSuchFileException ignored) {
                        // removed meanwhile
                    }
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (file.getFileName().toString().equals("link") && !file.getParent().getFileName().toString().equals("current")) {
                    Digest d = readLink(file);
                    if (d != null && !stored.test(d)) {
                        counts[0]++;
                        if (!dryRun) {
                            BlobScan.deleteQuietly(file);
                        }
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                if (!dryRun && !dir.equals(root)) {
                    try {
                        Files.delete(dir); // only succeeds when empty
                        counts[3]++;
                    } catch (DirectoryNotEmptyException | NoSuchFileException ignored) {
                        // in use
                    } catch (IOException ignored) {
                        // not ours to remove
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new Result(counts[0], counts[1], counts[2], counts[3]);
    }

    private static boolean isManifestsDir(Path p) {
        return p != null && p.getFileName().toString().equals("_manifests");
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
