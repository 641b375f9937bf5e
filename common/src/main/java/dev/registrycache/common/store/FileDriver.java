package dev.registrycache.common.store;

import dev.registrycache.common.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The datastore's objects as files in the data dir, so that the stock registry can serve the same
 * folder. An object is published by rename; created exclusively by a hard link (which network
 * file systems make atomic too); a file's last use is its access time (set explicitly, so it works
 * on {@code noatime} mounts) or its write time if later; reads are positional and windows are
 * memory mappings. The cleaner prunes empty folders while nodes write, so every write that needs a
 * folder creates it and retries if it vanished in between.
 */
public final class FileDriver implements StorageDriver {
    private final StoreLayout layout;

    public FileDriver(Path dataDir) {
        this.layout = new StoreLayout(dataDir);
    }

    public StoreLayout layout() {
        return layout;
    }

    @Override
    public Info stat(String key) {
        try {
            BasicFileAttributes a = Files.readAttributes(layout.at(key), BasicFileAttributes.class);
            return a.isRegularFile() ? info(a) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Info info(BasicFileAttributes a) {
        return new Info(a.size(), a.lastModifiedTime().toMillis());
    }

    /** A file's last use: its access time, or its write time if later. */
    private static long lastUse(BasicFileAttributes a) {
        return Math.max(a.lastModifiedTime().toMillis(), a.lastAccessTime().toMillis());
    }

    @Override
    public long lastUse(String key) {
        try {
            BasicFileAttributes a = Files.readAttributes(layout.at(key), BasicFileAttributes.class);
            return a.isRegularFile() ? lastUse(a) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public byte[] get(String key, int maxBytes) throws IOException {
        try (FileChannel file = FileChannel.open(layout.at(key), StandardOpenOption.READ)) {
            long size = file.size();
            if (size > maxBytes) {
                return null;
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining()) {
                if (HeapSlices.read(file, bytes, bytes.position()) < 0) {
                    throw new IOException(key + " ended before its " + size + " bytes");
                }
            }
            return bytes.array();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        Path file = layout.at(key);
        inFolder(file, () -> AtomicFile.write(file, bytes));
    }

    /**
     * Writes the bytes whole beside the target first and links them into place, which fails if
     * the target exists: the object is never seen empty or in part. Without hard links: created
     * exclusively and written, as a last resort.
     */
    @Override
    public boolean putIfAbsent(String key, byte[] bytes) throws IOException {
        Path file = layout.at(key);
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is a directory, not an object of the store: remove it");
        }
        Path temp = file.resolveSibling("." + file.getFileName() + ".new-" + UUID.randomUUID());
        boolean[] created = {false};
        try {
            inFolder(file, () -> {
                Files.write(temp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                try {
                    Files.createLink(file, temp);
                    created[0] = true;
                } catch (FileAlreadyExistsException e) {
                    created[0] = false;
                } catch (UnsupportedOperationException e) {
                    created[0] = createInPlace(file, bytes);
                }
            });
            return created[0];
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static boolean createInPlace(Path file, byte[] bytes) throws IOException {
        try {
            Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    @Override
    public BlobReader reader(String key) throws IOException {
        try {
            return new FileBlobReader(FileChannel.open(layout.at(key), StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public Upload upload(String scratch) throws IOException {
        Path data = StoreLayout.dataIn(layout.at(scratch));
        FileChannel[] out = new FileChannel[1];
        inFolder(data, () -> out[0] = FileChannel.open(data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        return new FileUpload(data, out[0]);
    }

    /** An upload in its scratch folder's {@code data} file, renamed into place: readers keep the open file. */
    private final class FileUpload implements Upload {
        private final Path data;
        private final FileChannel out;
        private volatile Path published;

        FileUpload(Path data, FileChannel out) {
            this.data = data;
            this.out = out;
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            HeapSlices.write(out, bytes);
        }

        @Override
        public BlobReader openReader() throws IOException {
            try {
                return new FileBlobReader(FileChannel.open(data, StandardOpenOption.READ));
            } catch (NoSuchFileException e) {
                Path target = published;
                if (target == null) {
                    throw e;
                }
                return new FileBlobReader(FileChannel.open(target, StandardOpenOption.READ));
            }
        }

        @Override
        public void publish(String key) throws IOException {
            out.close();
            Path target = layout.at(key);
            published = target; // before the move: a reader that misses the upload finds the object
            try {
                inFolder(
                        target,
                        () -> Files.move(
                                data, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING));
            } catch (IOException | RuntimeException e) {
                published = null;
                throw e;
            }
            deleteQuietly(data.getParent());
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing buffered: writes go straight to the file
            }
            if (published == null) {
                deleteQuietly(data);
                deleteQuietly(data.getParent());
            }
        }
    }

    @Override
    public List<String> list(String folder) {
        List<String> out = new ArrayList<>();
        for (Path p : entries(layout.at(folder))) {
            out.add(p.getFileName().toString());
        }
        return out;
    }

    /** One directory read, and one look-up of each entry's {@code leaf} (no walk into each folder). */
    @Override
    public List<Child> listObjects(String folder, String leaf) {
        List<Child> out = new ArrayList<>();
        for (Path dir : entries(layout.at(folder))) {
            try {
                BasicFileAttributes a =
                        Files.readAttributes(dir.resolve(leaf), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile()) {
                    out.add(new Child(dir.getFileName().toString(), info(a), lastUse(a)));
                }
            } catch (IOException e) {
                // deleted meanwhile, or an entry without its leaf
            }
        }
        return out;
    }

    @Override
    public boolean delete(String key) {
        return deleteQuietly(layout.at(key));
    }

    @Override
    public void deleteTree(String folder) {
        deleteTree(layout.at(folder));
    }

    @Override
    public boolean deleteEmptyFolders(String folder, String top) {
        Path stop = layout.at(top);
        boolean first = true;
        for (Path p = layout.at(folder); p != null && p.startsWith(stop) && !p.equals(stop); p = p.getParent()) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return !first; // a file is not a folder to remove
            }
            try {
                Files.delete(p);
            } catch (IOException e) {
                return !first; // not empty (or gone): its parents are not empty either
            }
            first = false;
        }
        return !first;
    }

    @Override
    public boolean recordUse(String key, Instant time, boolean overwrite) {
        try {
            BasicFileAttributeView view = Files.getFileAttributeView(layout.at(key), BasicFileAttributeView.class);
            BasicFileAttributes attrs = view.readAttributes();
            if (overwrite || attrs.lastAccessTime().toInstant().isBefore(time)) {
                view.setTimes(attrs.lastModifiedTime(), FileTime.from(time), null);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- file-system helpers

    /** A file-system step that needs its target's folder to exist. */
    interface FolderStep {
        void run() throws IOException;
    }

    /** Creates {@code target}'s folder and runs {@code step}, again if the cleaner removed the (empty) folder in between. */
    static void inFolder(Path target, FolderStep step) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                Files.createDirectories(target.getParent());
                step.run();
                return;
            } catch (NoSuchFileException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    /** The entries of {@code dir}; none if it is gone, not a folder, or unreadable (left for the next pass). */
    static List<Path> entries(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(out::add);
        } catch (IOException | DirectoryIteratorException e) {
            return out;
        }
        return out;
    }

    /** Deletes a file or an empty folder; false if it was gone, not empty, or not ours to delete. */
    static boolean deleteQuietly(Path p) {
        try {
            return Files.deleteIfExists(p);
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes a tree, deepest first; what cannot be deleted is left for the next pass. */
    public static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                deleteQuietly(p);
            }
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // gone already, or left for the next pass
        }
    }
}
