package dev.registrycache.node.store;

import dev.registrycache.common.Digest;
import dev.registrycache.common.store.LinkFile;
import dev.registrycache.common.RepositoryName;
import dev.registrycache.common.store.StoreLayout;
import dev.registrycache.common.Tag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The node's operations on the shared datastore: blobs that are present only when complete and
 * verified, and distribution's link files. Every path comes from {@link StoreLayout}. A link
 * whose blob is gone reads as absent, so it is a cache miss, never an error.
 */
public final class Datastore {
    private final StoreLayout layout;

    public Datastore(StoreLayout layout) {
        this.layout = layout;
    }

    public StoreLayout layout() {
        return layout;
    }

    /** Size of the stored blob, or -1 if it is not in the store. */
    public long blobSize(Digest digest) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(layout.blobData(digest), BasicFileAttributes.class);
            return attrs.isRegularFile() ? attrs.size() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Opens a stored blob for reading, or returns null if it is not (or no longer) in the store.
     * Serving from the open file means a blob evicted meanwhile still reaches its client whole.
     */
    public FileChannel openBlob(Digest digest) throws IOException {
        try {
            return FileChannel.open(layout.blobData(digest), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    public Path blobPath(Digest digest) {
        return layout.blobData(digest);
    }

    /** The bytes of a small stored blob (a manifest), or null if absent. */
    public byte[] readBlob(Digest digest, int maxBytes) {
        Path p = layout.blobData(digest);
        try {
            long size = Files.size(p);
            if (size > maxBytes) {
                return null;
            }
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh temporary file for a blob of {@code repository} being fetched; its folder exists. */
    public Path newUpload(RepositoryName repository) throws IOException {
        Path data = layout.uploadData(repository, UUID.randomUUID());
        inFolder(data, () -> Files.newByteChannel(data, StandardOpenOption.CREATE, StandardOpenOption.WRITE).close());
        return data;
    }

    /** A file-system step that needs its target's folder to exist. */
    private interface FolderStep {
        void run() throws IOException;
    }

    /**
     * Creates {@code target}'s folder and runs {@code step}, again if the cleaner removed the
     * (then empty) folder in between: it prunes empty folders while nodes write.
     */
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

    /** Removes an upload's temporary file and its folder. */
    public void discardUpload(Path uploadData) {
        try {
            Files.deleteIfExists(uploadData);
            Files.deleteIfExists(uploadData.getParent());
        } catch (IOException ignored) {
            // the cleaner removes temporary files of transfers that died
        }
    }

    /** Moves a verified upload into {@code blobs/}; atomic, so readers see all of it or nothing. */
    public void publishBlob(Path uploadData, Digest digest) throws IOException {
        Path target = layout.blobData(digest);
        inFolder(target, () -> Files.move(uploadData, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING));
        try {
            Files.deleteIfExists(uploadData.getParent());
        } catch (IOException ignored) {
            // an empty upload folder is harmless
        }
    }

    /** Stores small verified bytes (a manifest) as a blob. */
    public void putBlob(RepositoryName repository, Digest digest, byte[] bytes) throws IOException {
        if (blobSize(digest) == bytes.length) {
            return;
        }
        Path upload = newUpload(repository);
        try {
            Files.write(upload, bytes);
            publishBlob(upload, digest);
        } finally {
            discardUpload(upload);
        }
    }

    /** Links a blob into the repository (written, even if this process wrote it before). */
    public void linkLayer(RepositoryName repository, Digest digest) throws IOException {
        writeLink(layout.layerLink(repository, digest), digest);
    }

    /** Whether the blob is linked into the repository (whether or not the blob is stored). */
    public boolean layerLinked(RepositoryName repository, Digest digest) {
        return Files.exists(layout.layerLink(repository, digest));
    }

    /** Links a stored blob that is being served into the repository, unless it is linked already. */
    public void ensureLayerLinked(RepositoryName repository, Digest digest) throws IOException {
        Path link = layout.layerLink(repository, digest);
        if (!Files.exists(link)) {
            writeLink(link, digest);
        }
    }

    public void linkManifest(RepositoryName repository, Digest digest) throws IOException {
        writeLink(layout.manifestRevisionLink(repository, digest), digest);
    }

    /** Whether the manifest is linked into the repository (whether or not it is stored). */
    public boolean manifestLinked(RepositoryName repository, Digest digest) {
        return Files.exists(layout.manifestRevisionLink(repository, digest));
    }

    /** Links a stored manifest that is being served into the repository, unless it is linked already. */
    public void ensureManifestLinked(RepositoryName repository, Digest digest) throws IOException {
        Path link = layout.manifestRevisionLink(repository, digest);
        if (!Files.exists(link)) {
            writeLink(link, digest);
        }
    }

    /** Points {@code tag} at {@code digest}: the tag's current link and its index entry. */
    public void tagManifest(RepositoryName repository, Tag tag, Digest digest) throws IOException {
        writeLink(layout.tagIndexLink(repository, tag, digest), digest);
        writeLink(layout.tagCurrentLink(repository, tag), digest);
    }

    /** The digest the tag currently points at, or null if the tag or its manifest is not stored. */
    public Digest taggedDigest(RepositoryName repository, Tag tag) {
        Digest d = LinkFile.read(layout.tagCurrentLink(repository, tag));
        return d != null && blobSize(d) >= 0 ? d : null;
    }

    /** Tags of the repository whose manifest is stored, sorted; empty if the repository is unknown. */
    public List<String> tags(RepositoryName repository) {
        List<String> tags = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(layout.tagsDir(repository))) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (Tag.isValid(name) && taggedDigest(repository, Tag.parse(name)) != null) {
                    tags.add(name);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        tags.sort(null);
        return tags;
    }

    public boolean repositoryExists(RepositoryName repository) {
        return Files.isDirectory(layout.repository(repository));
    }

    /** Writes a link file unless it already holds that digest. */
    void writeLink(Path link, Digest digest) throws IOException {
        if (!digest.equals(LinkFile.read(link))) {
            inFolder(link, () -> LinkFile.write(link, digest));
        }
    }
}
