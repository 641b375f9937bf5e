package dev.registrycache.common.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link FileDatastore} does on the disk beyond the contract: distribution's exact files,
 * last use read from file times, and what its scans and prunes make of folders that are not ours.
 */
class FileDatastoreTest {
    private static final RepositoryName REPO = RepositoryName.parse("quay.io/team/app");
    private static final RepositoryName OTHER = RepositoryName.parse("docker.io/library/other");
    private static final Tag LATEST = Tag.parse("latest");
    private static final long T0 = Instant.parse("2024-01-02T03:04:05Z").toEpochMilli();

    @TempDir
    Path dir;

    private FileDatastore store;
    private StoreLayout layout;

    @BeforeEach
    void open() {
        store = new FileDatastore(dir);
        layout = store.layout();
    }

    private Digest put(byte... bytes) throws IOException {
        Digest d = Digest.sha256Of(bytes);
        store.putBlob(REPO, d, bytes);
        return d;
    }

    private List<Path> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(Files::isRegularFile).toList();
        }
    }

    private static void setTimes(Path file, long modifiedMillis, long accessMillis) throws IOException {
        Files.getFileAttributeView(file, BasicFileAttributeView.class)
                .setTimes(FileTime.fromMillis(modifiedMillis), FileTime.fromMillis(accessMillis), null);
    }

    private long scannedLastUse() {
        List<Long> uses = new ArrayList<>();
        for (String partition : store.blobPartitions()) {
            store.scanBlobs(partition, (algorithm, hash, size, lastUse) -> uses.add(lastUse));
        }
        assertEquals(1, uses.size());
        return uses.get(0);
    }

    @Test
    void writesBlobsLinksAndTagsAsDistributionsFiles() throws IOException {
        byte[] bytes = {1, 2, 3};
        Digest d = put(bytes);
        store.linkLayer(REPO, d);
        store.linkManifest(REPO, d);
        store.tag(REPO, LATEST, d);
        assertArrayEquals(bytes, Files.readAllBytes(layout.blobData(d)));
        for (Path link : List.of(
                layout.layerLink(REPO, d),
                layout.manifestRevisionLink(REPO, d),
                layout.tagCurrentLink(REPO, LATEST),
                layout.tagIndexLink(REPO, LATEST, d))) {
            assertEquals(d.toString(), Files.readString(link), "exactly the digest, no newline: " + link);
        }
        assertEquals(List.of(), files(layout.uploadsDir(REPO)), "the upload's folder goes with its commit");
        setTimes(layout.layerLink(REPO, d), T0, T0);
        store.linkLayer(REPO, d);
        assertEquals(
                T0,
                Files.getLastModifiedTime(layout.layerLink(REPO, d)).toMillis(),
                "the same link again is not written");
    }

    @Test
    void anUploadIsADataFileInItsRepositorysUploadsFolder() throws IOException {
        try (BlobUpload upload = store.newUpload(REPO)) {
            upload.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            List<Path> data = files(layout.uploadsDir(REPO));
            assertEquals(1, data.size());
            Optional<StoreKeys.Entry> entry = layout.parse(data.get(0));
            assertEquals(StoreKeys.Kind.UPLOAD_DATA, entry.orElseThrow().kind());
            assertEquals(REPO, entry.get().repository());
            assertEquals(3, Files.size(data.get(0)));
        }
        assertEquals(List.of(), files(layout.uploadsDir(REPO)), "discarded with its folder");
    }

    @Test
    void lastUseIsTheLaterOfTheDataFilesAccessAndModificationTimes() throws IOException {
        Digest d = put((byte) 4);
        Path data = layout.blobData(d);
        setTimes(data, T0 + 1_000, T0);
        assertEquals(T0 + 1_000, scannedLastUse());
        setTimes(data, T0, T0 + 2_000);
        assertEquals(T0 + 2_000, scannedLastUse());
        assertTrue(store.recordUse(d, Instant.ofEpochMilli(T0 + 5_000), false));
        BasicFileAttributes attrs = Files.readAttributes(data, BasicFileAttributes.class);
        assertEquals(
                T0 + 5_000,
                attrs.lastAccessTime().toMillis(),
                "a use is the access time, set explicitly (noatime mounts)");
        assertEquals(T0, attrs.lastModifiedTime().toMillis(), "the write time stays");
    }

    @Test
    void aScanSkipsWhatIsNotABlob() throws IOException {
        Digest d = put((byte) 5);
        String hex = d.hex();
        Path blobs = layout.blobsRoot();
        Files.createDirectories(blobs.resolve("sha256/ab/not-a-digest"));
        Files.write(blobs.resolve("sha256/ab/not-a-digest/data"), new byte[5]);
        Files.createDirectories(
                blobs.resolve("sha256/" + hex.substring(0, 2) + "/" + "0".repeat(64))); // a folder without its data
        Files.createDirectories(blobs.resolve("md5/ab/" + "ab".repeat(16)));
        Files.write(blobs.resolve("md5/ab/" + "ab".repeat(16) + "/data"), new byte[5]);
        Files.createDirectories(blobs.resolve("sha256/cd/" + "cd".repeat(32) + "/data")); // data that is a folder
        List<Digest> seen = new ArrayList<>();
        for (String partition : store.blobPartitions()) {
            store.scanBlobs(partition, (algorithm, hash, size, lastUse) -> seen.add(Digest.fromHash(algorithm, hash)));
        }
        assertEquals(List.of(d), seen);
    }

    @Test
    void pruneRemovesTheFoldersItEmptiesAndLeavesFoldersThatAreNotLinks() throws IOException {
        Digest manifest = put((byte) 6);
        Digest layer = put((byte) 7);
        store.linkManifest(REPO, manifest);
        store.tag(REPO, LATEST, manifest);
        store.linkLayer(REPO, layer);
        store.linkLayer(OTHER, layer);
        Path foreign = layout.repository(OTHER)
                .resolve(StoreLayout.LAYERS)
                .resolve("sha256")
                .resolve("not-a-digest");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve(StoreLayout.LINK), "whatever");
        assertTrue(store.deleteBlob(manifest) && store.deleteBlob(layer));
        assertFalse(Files.exists(layout.blobDir(manifest)), "a blob's folder goes with it");
        try (IoWorkers workers = new IoWorkers(2)) {
            Datastore.PruneSummary pruned = store.pruneDangling((algorithm, hash) -> false, false, workers);
            assertEquals(new Datastore.PruneSummary(3, 1, pruned.folders()), pruned);
        }
        assertFalse(Files.exists(layout.tagDir(REPO, LATEST)));
        assertFalse(Files.exists(layout.manifestRevisionLink(REPO, manifest).getParent()));
        assertFalse(Files.exists(layout.repository(REPO)), "emptied, _uploads included");
        assertTrue(Files.exists(foreign.resolve(StoreLayout.LINK)), "not a link of ours: left alone");
        assertFalse(Files.exists(layout.layerLink(OTHER, layer)));
    }

    @Test
    void anUploadIsStaleWhenItsDataWasNotWrittenForTheStaleTime() throws IOException {
        long hoursAgo = Instant.now().minus(Duration.ofHours(3)).toEpochMilli();
        Path dead = layout.uploadData(REPO, UUID.randomUUID());
        Path live = layout.uploadData(REPO, UUID.randomUUID());
        Path noData = layout.uploadData(OTHER, UUID.randomUUID());
        for (Path p : List.of(dead, live)) {
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[10]);
        }
        Files.createDirectories(noData.getParent());
        setTimes(dead, hoursAgo, hoursAgo);
        setTimes(noData.getParent(), hoursAgo, hoursAgo); // a node died before writing: judged by its folder
        assertEquals(new Datastore.UploadsSummary(1, 10, 2, 10), store.scanUploads(Duration.ofMinutes(10), true));
        assertFalse(Files.exists(dead.getParent()));
        assertFalse(Files.exists(noData.getParent()));
        assertTrue(Files.exists(live));
        assertEquals(Set.of(live), Set.copyOf(files(layout.repositoriesRoot())));
    }
}
