package dev.registrycache.common.store;

import dev.registrycache.common.AtomicFile;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The datastore in distribution's file-system layout ({@link StoreLayout}), so that the stock
 * registry can serve the same folder. Blobs are published by rename; a blob's last use is its
 * {@code data} file's access time (set explicitly, so it works on {@code noatime} mounts) or
 * its write time if later. The cleaner prunes empty folders while nodes write, so every write
 * that needs a folder creates it and retries if it vanished in between.
 */
public final class FileDatastore implements Datastore {
    private final StoreLayout layout;
    private final FileLeases leases;

    public FileDatastore(Path root) {
        this.layout = new StoreLayout(root);
        this.leases = new FileLeases(layout.leases());
    }

    public StoreLayout layout() {
        return layout;
    }

    // ---- blobs

    @Override
    public long blobSize(Digest digest) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(layout.blobData(digest), BasicFileAttributes.class);
            return attrs.isRegularFile() ? attrs.size() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public BlobReader openBlob(Digest digest) throws IOException {
        try {
            return new FileBlobReader(FileChannel.open(layout.blobData(digest), StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public byte[] readBlob(Digest digest, int maxBytes) throws IOException {
        try (FileChannel file = FileChannel.open(layout.blobData(digest), StandardOpenOption.READ)) {
            long size = file.size();
            if (size > maxBytes) {
                return null;
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining()) {
                if (HeapSlices.read(file, bytes, bytes.position()) < 0) {
                    throw new IOException("blob " + digest + " ended before its " + size + " bytes");
                }
            }
            return bytes.array();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public BlobUpload newUpload(RepositoryName repository) throws IOException {
        Path data = layout.uploadData(repository, UUID.randomUUID());
        FileChannel[] out = new FileChannel[1];
        inFolder(data, () -> out[0] = FileChannel.open(data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        return new FileBlobUpload(this, data, out[0]);
    }

    /** Moves a verified upload into {@code blobs/}: atomic, so readers see all of it or nothing. */
    void publish(Path uploadData, Digest digest) throws IOException {
        Path target = layout.blobData(digest);
        inFolder(
                target,
                () -> Files.move(
                        uploadData, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING));
        deleteQuietly(uploadData.getParent());
    }

    /** Removes an upload's file and its folder; the cleaner removes what this misses. */
    void discard(Path uploadData) {
        deleteQuietly(uploadData);
        deleteQuietly(uploadData.getParent());
    }

    @Override
    public boolean deleteBlob(Digest digest) {
        if (!deleteQuietly(layout.blobData(digest))) {
            return false;
        }
        deleteQuietly(layout.blobDir(digest));
        return true;
    }

    // ---- uses

    @Override
    public boolean recordUse(Digest digest, Instant time, boolean overwrite) {
        try {
            BasicFileAttributeView view =
                    Files.getFileAttributeView(layout.blobData(digest), BasicFileAttributeView.class);
            BasicFileAttributes attrs = view.readAttributes();
            if (overwrite || attrs.lastAccessTime().toInstant().isBefore(time)) {
                view.setTimes(attrs.lastModifiedTime(), FileTime.from(time), null);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- scanning

    /** The {@code blobs/<alg>/<xx>} folders, as {@code <alg>/<xx>}. */
    @Override
    public List<String> blobPartitions() {
        List<String> out = new ArrayList<>();
        for (Path algorithm : folders(layout.blobsRoot())) {
            for (Path prefix : folders(algorithm)) {
                out.add(algorithm.getFileName() + "/" + prefix.getFileName());
            }
        }
        return out;
    }

    /**
     * Reads one {@code blobs/<alg>/<xx>} folder: its {@code <hex>} entries, and the attributes of
     * each {@code <hex>/data} (one stat a blob, no walk into each blob's folder).
     */
    @Override
    public void scanBlobs(String partition, BlobVisitor visitor) {
        Path prefix = layout.blobsRoot().resolve(partition);
        String algorithm = prefix.getParent().getFileName().toString();
        Digest.Algorithm known = Digest.Algorithm.byId(algorithm);
        if (known == null) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(prefix)) {
            for (Path dir : entries) {
                byte[] hash = StoreLayout.hashOf(algorithm, dir.getFileName().toString());
                if (hash == null) {
                    continue; // not a blob of ours
                }
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(
                            StoreLayout.dataIn(dir), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue; // deleted meanwhile, or a folder without its data
                }
                if (attrs.isRegularFile()) {
                    long use = Math.max(
                            attrs.lastAccessTime().toMillis(),
                            attrs.lastModifiedTime().toMillis());
                    visitor.blob(known, hash, attrs.size(), use);
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // the folder went away, or is not one: nothing of it counts
        }
    }

    @Override
    public UploadsSummary scanUploads(Duration stale, boolean removeStale) {
        return new FileUploads(layout, stale).run(removeStale);
    }

    @Override
    public PruneSummary pruneDangling(BlobPresence stored, boolean dryRun, IoWorkers workers) {
        return new FileLinkPruner(this, stored, workers).prune(dryRun);
    }

    // ---- links and tags: writes

    @Override
    public void linkLayer(RepositoryName repository, Digest digest) throws IOException {
        writeLink(layout.layerLink(repository, digest), digest);
    }

    @Override
    public void linkManifest(RepositoryName repository, Digest digest) throws IOException {
        writeLink(layout.manifestRevisionLink(repository, digest), digest);
    }

    @Override
    public void tag(RepositoryName repository, Tag tag, Digest digest) throws IOException {
        writeLink(layout.tagIndexLink(repository, tag, digest), digest);
        writeLink(layout.tagCurrentLink(repository, tag), digest);
    }

    /** Writes a link file unless it already holds that digest. */
    private void writeLink(Path link, Digest digest) throws IOException {
        if (!digest.equals(LinkFile.read(link))) {
            inFolder(link, () -> LinkFile.write(link, digest));
        }
    }

    // ---- links and tags: reads

    @Override
    public boolean repositoryExists(RepositoryName repository) {
        return Files.isDirectory(layout.repository(repository));
    }

    @Override
    public boolean layerLinked(RepositoryName repository, Digest digest) {
        return Files.exists(layout.layerLink(repository, digest));
    }

    @Override
    public boolean manifestLinked(RepositoryName repository, Digest digest) {
        return Files.exists(layout.manifestRevisionLink(repository, digest));
    }

    @Override
    public Digest tagTarget(RepositoryName repository, Tag tag) {
        return LinkFile.read(layout.tagCurrentLink(repository, tag));
    }

    @Override
    public List<Tag> tags(RepositoryName repository) {
        List<Tag> tags = new ArrayList<>();
        for (Path dir : folders(layout.tagsDir(repository))) {
            String name = dir.getFileName().toString();
            if (Tag.isValid(name)) {
                tags.add(Tag.parse(name));
            }
        }
        tags.sort(null);
        return tags;
    }

    // ---- browsing and purging

    @Override
    public List<RepositoryName> repositories() {
        List<RepositoryName> out = new ArrayList<>();
        findRepositories(layout.repositoriesRoot(), out);
        out.sort(null);
        return out;
    }

    /** Adds the repositories at and under {@code dir}: a folder with a links folder is one, and may hold others. */
    private void findRepositories(Path dir, List<RepositoryName> out) {
        boolean repository = false;
        for (Path child : folders(dir)) {
            String name = child.getFileName().toString();
            if (name.equals(StoreLayout.LAYERS) || name.equals(StoreLayout.MANIFESTS)) {
                repository = true;
            } else if (!name.startsWith("_")) {
                findRepositories(child, out);
            }
        }
        if (repository) {
            layout.repositoryAt(dir).ifPresent(out::add);
        }
    }

    @Override
    public List<Digest> manifestRevisions(RepositoryName repository) {
        return linkedDigests(
                layout.repository(repository).resolve(StoreLayout.MANIFESTS).resolve(StoreLayout.REVISIONS));
    }

    @Override
    public List<Digest> layerLinks(RepositoryName repository) {
        return linkedDigests(layout.repository(repository).resolve(StoreLayout.LAYERS));
    }

    /** The digests of the {@code <alg>/<hex>/link} folders under {@code folder}, judged by their names. */
    private static List<Digest> linkedDigests(Path folder) {
        List<Digest> out = new ArrayList<>();
        for (Path algorithm : folders(folder)) {
            Digest.Algorithm known =
                    Digest.Algorithm.byId(algorithm.getFileName().toString());
            for (Path hexDir : known == null ? List.<Path>of() : folders(algorithm)) {
                byte[] hash =
                        StoreLayout.hashOf(known.id(), hexDir.getFileName().toString());
                if (hash != null && Files.exists(StoreLayout.linkIn(hexDir))) {
                    out.add(Digest.fromHash(known, hash));
                }
            }
        }
        return out;
    }

    @Override
    public long lastUse(Digest digest) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(layout.blobData(digest), BasicFileAttributes.class);
            return Math.max(
                    attrs.lastAccessTime().toMillis(), attrs.lastModifiedTime().toMillis());
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public boolean unlinkLayer(RepositoryName repository, Digest digest) {
        return unlink(layout.layerLink(repository, digest), repository);
    }

    @Override
    public boolean unlinkManifest(RepositoryName repository, Digest digest) {
        return unlink(layout.manifestRevisionLink(repository, digest), repository);
    }

    @Override
    public boolean untag(RepositoryName repository, Tag tag) {
        Path dir = layout.tagDir(repository, tag);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        deleteTree(dir);
        removeEmptyUpTo(dir.getParent(), layout.repositoriesRoot());
        return true;
    }

    /** Deletes a link file and the folders it leaves empty, up to the repositories' root. */
    private boolean unlink(Path link, RepositoryName repository) {
        if (!deleteQuietly(link)) {
            return false;
        }
        removeEmptyUpTo(link.getParent(), layout.repositoriesRoot());
        return true;
    }

    /** Removes {@code dir} and its parents while they are empty, stopping below {@code top}. */
    private static void removeEmptyUpTo(Path dir, Path top) {
        for (Path p = dir; p != null && p.startsWith(top) && !p.equals(top); p = p.getParent()) {
            try {
                Files.delete(p);
            } catch (IOException e) {
                return; // not empty (or gone): its parents are not empty either
            }
        }
    }

    // ---- marks

    @Override
    public void putMark(Mark mark, String key, byte[] record) throws IOException {
        Path file = layout.markRecord(mark, key);
        inFolder(file, () -> AtomicFile.write(file, record));
    }

    @Override
    public byte[] readMark(Mark mark, String key) {
        try {
            return Files.readAllBytes(layout.markRecord(mark, key));
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public boolean hasMark(Mark mark, String key) {
        return Files.exists(layout.markRecord(mark, key));
    }

    @Override
    public boolean deleteMark(Mark mark, String key) {
        return deleteQuietly(layout.markRecord(mark, key));
    }

    @Override
    public List<String> marks(Mark mark) {
        List<String> keys = new ArrayList<>();
        for (Path file : entries(layout.markFolder(mark))) {
            String key = StoreLayout.markKeyOf(file.getFileName().toString());
            if (key != null && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                keys.add(key);
            }
        }
        keys.sort(null);
        return keys;
    }

    // ---- file-system helpers

    /** A file-system step that needs its target's folder to exist. */
    private interface FolderStep {
        void run() throws IOException;
    }

    /** Creates {@code target}'s folder and runs {@code step}, again if the cleaner removed the (empty) folder in between. */
    private static void inFolder(Path target, FolderStep step) throws IOException {
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

    /** The sub-folders of {@code dir}; none if it is gone, not a folder, or unreadable. */
    static List<Path> folders(Path dir) {
        List<Path> out = new ArrayList<>();
        for (Path p : entries(dir)) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                out.add(p);
            }
        }
        return out;
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
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                deleteQuietly(p);
            }
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // gone already, or left for the next pass
        }
    }

    // ---- leases

    @Override
    public boolean holdLease(String name, String holder, Instant now, Duration term) throws IOException {
        return leases.hold(name, holder, now, term);
    }

    @Override
    public void releaseLease(String name, String holder) throws IOException {
        leases.release(name, holder);
    }
}
