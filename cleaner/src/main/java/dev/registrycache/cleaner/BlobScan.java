package dev.registrycache.cleaner;

import dev.registrycache.common.Digest;
import dev.registrycache.common.InvalidValueException;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * Every blob of the store with its size and times, read in one walk of {@code blobs/} and held
 * in primitive arrays (about 40 bytes a blob), so a pass over 100,000 blobs needs a few MiB.
 */
final class BlobScan {
    private Digest[] digests = new Digest[1024];
    private long[] sizes = new long[1024];
    private long[] accessed = new long[1024];
    private long[] modified = new long[1024];
    private int count;
    private long total;

    static BlobScan of(Path blobsRoot) throws IOException {
        BlobScan scan = new BlobScan();
        if (!Files.isDirectory(blobsRoot)) {
            return scan;
        }
        Files.walkFileTree(blobsRoot, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && file.getFileName().toString().equals("data")) {
                    Path dir = file.getParent();
                    Path algorithm = dir.getParent() == null ? null : dir.getParent().getParent();
                    if (algorithm != null) {
                        try {
                            Digest d = Digest.parse(algorithm.getFileName() + ":" + dir.getFileName());
                            scan.add(d, attrs.size(), attrs.lastAccessTime().toMillis(), attrs.lastModifiedTime().toMillis());
                        } catch (InvalidValueException ignored) {
                            // not a blob of ours
                        }
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // deleted meanwhile
            }
        });
        return scan;
    }

    private void add(Digest d, long size, long atime, long mtime) {
        if (count == digests.length) {
            int n = count * 2;
            digests = Arrays.copyOf(digests, n);
            sizes = Arrays.copyOf(sizes, n);
            accessed = Arrays.copyOf(accessed, n);
            modified = Arrays.copyOf(modified, n);
        }
        digests[count] = d;
        sizes[count] = size;
        accessed[count] = atime;
        modified[count] = mtime;
        count++;
        total += size;
    }

    int count() {
        return count;
    }

    long totalBytes() {
        return total;
    }

    Digest digest(int i) {
        return digests[i];
    }

    long size(int i) {
        return sizes[i];
    }

    /** The blob's last use: its access time, or its write time if that is later. */
    long lastUse(int i) {
        return Math.max(accessed[i], modified[i]);
    }

    /** Indices ordered by last use, least recent first. */
    int[] leastRecentlyUsedFirst() {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(lastUse(a), lastUse(b)));
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = order[i];
        }
        return out;
    }

    static boolean deleteQuietly(Path p) {
        try {
            return Files.deleteIfExists(p);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
