package dev.registrycache.common.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Datastore} owes, as its Javadoc lists it: one suite that each implementation
 * runs by extending it (as distribution runs one suite over every storage driver), so the
 * in-memory datastore the unit tests use behaves as the file system the processes share.
 */
abstract class DatastoreContract {
    static final RepositoryName REPO = RepositoryName.parse("quay.io/team/app");
    static final RepositoryName OTHER = RepositoryName.parse("docker.io/library/other");
    /** A time long past, so that no write of the test itself is mistaken for the use a test sets. */
    static final long T0 = Instant.parse("2024-01-02T03:04:05Z").toEpochMilli();
    /** A stale time no upload of a test reaches. */
    static final Duration NEVER_STALE = Duration.ofDays(365);

    Datastore store;

    abstract Datastore newDatastore() throws IOException;

    /** Stores {@code bytes} as the blob {@code digest}, written and last used at {@code millis}. */
    abstract void storeWrittenAt(Digest digest, byte[] bytes, long millis) throws IOException;

    /**
     * Whether the store keeps folders apart from objects (a file system), which a prune removes
     * and counts once empty; an object store has only keys, so a "folder" goes with its last
     * object and a prune counts none.
     */
    boolean storeKeepsEmptyFolders() {
        return true;
    }

    @BeforeEach
    void open() throws IOException {
        store = newDatastore();
    }

    // ---- helpers

    static byte[] bytes(int seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    Digest put(int seed, int size) throws IOException {
        byte[] b = bytes(seed, size);
        Digest d = Digest.sha256Of(b);
        store.putBlob(REPO, d, b);
        return d;
    }

    static byte[] readAll(BlobReader reader) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) reader.size());
        while (buf.hasRemaining() && reader.read(buf, buf.position()) >= 0) {
            // positional reads until the end
        }
        return Arrays.copyOf(buf.array(), buf.position());
    }

    record Scanned(Digest digest, long size, long lastUseMillis) {}

    /** Every blob a scan visits, in all partitions, as often as it visits it. */
    List<Scanned> scan() {
        List<Scanned> out = new ArrayList<>();
        for (String partition : store.blobPartitions()) {
            store.scanBlobs(
                    partition,
                    (algorithm, hash, size, lastUse) ->
                            out.add(new Scanned(Digest.fromHash(algorithm, hash), size, lastUse)));
        }
        return out;
    }

    long scannedLastUse(Digest digest) {
        List<Scanned> found =
                scan().stream().filter(s -> s.digest().equals(digest)).toList();
        assertEquals(1, found.size(), "scanned once: " + digest);
        return found.get(0).lastUseMillis();
    }

    static Datastore.BlobPresence presentAre(Set<Digest> stored) {
        return (algorithm, hash) -> stored.contains(Digest.fromHash(algorithm, hash));
    }

    Datastore.PruneSummary prune(Set<Digest> stored, boolean dryRun) {
        try (IoWorkers workers = new IoWorkers(4)) {
            return store.pruneDangling(presentAre(stored), dryRun, workers);
        }
    }

    // ---- absent objects

    @Test
    void anAbsentBlobAnswersMinusOneNullAndFalse() throws IOException {
        Digest d = Digest.sha256Of(new byte[] {1});
        assertEquals(-1, store.blobSize(d));
        assertNull(store.openBlob(d));
        assertNull(store.readBlob(d, 1000));
        assertFalse(store.deleteBlob(d));
        assertFalse(store.recordUse(d, Instant.now(), false));
        assertFalse(store.recordUse(d, Instant.now(), true));
        assertEquals(List.of(), store.blobPartitions());
        assertEquals(List.of(), scan());
    }

    @Test
    void absentRepositoriesLinksAndTagsAnswerFalseNullAndEmpty() {
        Digest d = Digest.sha256Of(new byte[] {1});
        Tag latest = Tag.parse("latest");
        assertFalse(store.repositoryExists(REPO));
        assertFalse(store.layerLinked(REPO, d));
        assertFalse(store.manifestLinked(REPO, d));
        assertNull(store.tagTarget(REPO, latest));
        assertNull(store.taggedDigest(REPO, latest));
        assertEquals(List.of(), store.tags(REPO));
        assertEquals(new Datastore.UploadsSummary(0, 0, 0, 0), store.scanUploads(Duration.ZERO, true));
        assertEquals(new Datastore.PruneSummary(0, 0, 0), prune(Set.of(), false));
    }

    // ---- blobs

    @Test
    void aStoredBlobReadsWholeAndFromAnyPosition() throws IOException {
        byte[] b = bytes(1, 10_000);
        Digest d = put(1, 10_000);
        assertEquals(10_000, store.blobSize(d));
        assertArrayEquals(b, store.readBlob(d, 10_000));
        try (BlobReader reader = store.openBlob(d)) {
            assertEquals(10_000, reader.size());
            assertArrayEquals(b, readAll(reader));
            ByteBuffer tail = ByteBuffer.allocate(100);
            assertEquals(100, reader.read(tail, 9_900));
            assertArrayEquals(Arrays.copyOfRange(b, 9_900, 10_000), tail.array());
            assertEquals(-1, reader.read(ByteBuffer.allocate(10), 10_000), "-1 at the end");
        }
    }

    /** A manifest of several MB, written from and read into heap buffers, as the node does. */
    @Test
    void aBlobOfManyMegabytesIsWrittenAndReadWholeFromHeapBuffers() throws IOException {
        byte[] b = bytes(9, 4_000_003);
        Digest d = put(9, 4_000_003);
        assertArrayEquals(b, store.readBlob(d, 4_000_003));
        try (BlobReader reader = store.openBlob(d)) {
            assertArrayEquals(b, readAll(reader));
            ByteBuffer middle = ByteBuffer.allocate(1_000_000);
            middle.position(7);
            while (middle.hasRemaining()) {
                assertTrue(reader.read(middle, 1_234_567 + middle.position() - 7) > 0, "a read short of the end");
            }
            assertArrayEquals(
                    Arrays.copyOfRange(b, 1_234_567, 1_234_567 + 1_000_000 - 7),
                    Arrays.copyOfRange(middle.array(), 7, 1_000_000));
        }
    }

    @Test
    void readBlobRefusesABlobLargerThanMaxBytes() throws IOException {
        Digest d = put(2, 500);
        assertArrayEquals(bytes(2, 500), store.readBlob(d, 500));
        assertNull(store.readBlob(d, 499));
    }

    @Test
    void aWindowHoldsTheBytesAtItsPosition() throws IOException {
        byte[] b = bytes(3, 70_000);
        Digest d = put(3, 70_000);
        try (BlobReader reader = store.openBlob(d)) {
            ByteBuffer window = reader.window(65_000, 5_000);
            assertEquals(5_000, window.remaining());
            byte[] got = new byte[5_000];
            window.get(got);
            assertArrayEquals(Arrays.copyOfRange(b, 65_000, 70_000), got);
            reader.release(window);
            assertArrayEquals(b, readAll(reader), "the reader serves on after a release");
        }
    }

    @Test
    void putBlobOfAStoredBlobWritesNothing() throws IOException {
        byte[] b = bytes(4, 300);
        Digest d = Digest.sha256Of(b);
        storeWrittenAt(d, b, T0);
        store.putBlob(OTHER, d, b);
        assertEquals(T0, scannedLastUse(d), "not written again: its write would count as a use");
        assertEquals(new Datastore.UploadsSummary(0, 0, 0, 0), store.scanUploads(Duration.ZERO, false));
    }

    @Test
    void deleteBlobRemovesTheBlobAndLeavesItsLinks() throws IOException {
        Digest d = put(5, 100);
        Digest kept = put(6, 100);
        store.linkLayer(REPO, d);
        assertTrue(store.deleteBlob(d));
        assertEquals(-1, store.blobSize(d));
        assertNull(store.openBlob(d));
        assertTrue(store.layerLinked(REPO, d), "links are independent of blobs");
        assertFalse(store.deleteBlob(d), "gone already");
        assertEquals(List.of(kept), scan().stream().map(Scanned::digest).toList());
    }

    @Test
    void anOpenReaderReadsTheWholeBlobAfterItIsDeleted() throws IOException {
        byte[] b = bytes(7, 50_000);
        Digest d = put(7, 50_000);
        try (BlobReader reader = store.openBlob(d)) {
            assertTrue(store.deleteBlob(d));
            assertEquals(50_000, reader.size());
            assertArrayEquals(b, readAll(reader));
        }
    }

    @Test
    void anOpenReaderReadsTheWholeBlobWhenItIsPublishedAgain() throws IOException {
        byte[] b = bytes(8, 50_000);
        Digest d = put(8, 50_000);
        try (BlobReader reader = store.openBlob(d);
                BlobUpload again = store.newUpload(OTHER)) {
            again.write(ByteBuffer.wrap(b));
            again.commit(d);
            assertArrayEquals(b, readAll(reader));
        }
        assertArrayEquals(b, store.readBlob(d, 50_000));
    }

    // ---- uploads

    @Test
    void anUploadIsInvisibleUntilCommitted() throws IOException {
        byte[] b = bytes(9, 4_000);
        Digest d = Digest.sha256Of(b);
        try (BlobUpload upload = store.newUpload(REPO)) {
            upload.write(ByteBuffer.wrap(b));
            assertEquals(-1, store.blobSize(d));
            assertNull(store.openBlob(d));
            assertNull(store.readBlob(d, 4_000));
            assertEquals(List.of(), scan());
            assertEquals(new Datastore.UploadsSummary(1, 4_000, 0, 0), store.scanUploads(NEVER_STALE, false));
            upload.commit(d);
            assertEquals(4_000, store.blobSize(d));
            assertEquals(
                    new Datastore.UploadsSummary(0, 0, 0, 0),
                    store.scanUploads(NEVER_STALE, false),
                    "a committed upload is a blob, no longer an upload");
        }
        assertArrayEquals(b, store.readBlob(d, 4_000), "close after commit keeps the blob");
    }

    @Test
    void closingAnUploadWithoutCommitLeavesNoBlobAndNoUpload() throws IOException {
        byte[] b = bytes(10, 4_000);
        try (BlobUpload upload = store.newUpload(REPO)) {
            upload.write(ByteBuffer.wrap(b));
        }
        assertEquals(-1, store.blobSize(Digest.sha256Of(b)));
        assertEquals(List.of(), scan());
        assertEquals(new Datastore.UploadsSummary(0, 0, 0, 0), store.scanUploads(Duration.ZERO, false));
    }

    @Test
    void aReaderOfAnUploadFollowsItAcrossTheCommit() throws IOException {
        byte[] b = bytes(11, 20_000);
        Digest d = Digest.sha256Of(b);
        try (BlobUpload upload = store.newUpload(REPO)) {
            upload.write(ByteBuffer.wrap(b, 0, 8_000));
            try (BlobReader reader = upload.openReader()) {
                assertEquals(8_000, reader.size(), "the bytes written so far");
                assertArrayEquals(Arrays.copyOf(b, 8_000), readAll(reader));
                assertEquals(-1, reader.read(ByteBuffer.allocate(10), 8_000), "nothing beyond them yet");
                upload.write(ByteBuffer.wrap(b, 8_000, 12_000));
                upload.commit(d);
                assertEquals(20_000, reader.size());
                assertArrayEquals(b, readAll(reader), "the same bytes after the commit");
                ByteBuffer window = reader.window(15_000, 5_000);
                byte[] got = new byte[5_000];
                window.get(got);
                reader.release(window);
                assertArrayEquals(Arrays.copyOfRange(b, 15_000, 20_000), got);
            }
            try (BlobReader late = upload.openReader()) {
                assertArrayEquals(b, readAll(late), "a reader opened after the commit reads the blob");
            }
        }
    }

    @Test
    void scanUploadsCountsTheUploadsInProgressAndTheirBytes() throws IOException {
        try (BlobUpload a = store.newUpload(REPO);
                BlobUpload b = store.newUpload(OTHER);
                BlobUpload empty = store.newUpload(REPO)) {
            a.write(ByteBuffer.wrap(bytes(12, 3_000)));
            b.write(ByteBuffer.wrap(bytes(13, 5_000)));
            assertEquals(new Datastore.UploadsSummary(3, 8_000, 0, 0), store.scanUploads(NEVER_STALE, true));
            assertTrue(store.repositoryExists(OTHER), "an upload makes its repository known");
        }
    }

    @Test
    void uploadsNotWrittenToForTheStaleTimeAreReportedAndRemovedOnlyIfAsked() throws Exception {
        try (BlobUpload upload = store.newUpload(REPO)) {
            upload.write(ByteBuffer.wrap(bytes(14, 3_000)));
            Thread.sleep(20); // the write is now in the past, however fast the machine
            Datastore.UploadsSummary stale = new Datastore.UploadsSummary(0, 0, 1, 3_000);
            assertEquals(stale, store.scanUploads(Duration.ZERO, false));
            assertEquals(stale, store.scanUploads(Duration.ZERO, false), "reported, not removed");
            assertEquals(new Datastore.UploadsSummary(1, 3_000, 0, 0), store.scanUploads(NEVER_STALE, false));
            assertEquals(stale, store.scanUploads(Duration.ZERO, true));
            assertEquals(new Datastore.UploadsSummary(0, 0, 0, 0), store.scanUploads(Duration.ZERO, false), "removed");
        } // and its writer's close still does not throw
    }

    @Test
    void concurrentWritersOfTheSameDigestBothCommitAWholeBlob() throws Exception {
        byte[] b = bytes(15, 256 * 1024);
        Digest d = Digest.sha256Of(b);
        CyclicBarrier halfway = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (RepositoryName repo : List.of(REPO, OTHER)) {
                writers.add(threads.submit(() -> {
                    try (BlobUpload upload = store.newUpload(repo)) {
                        for (int off = 0; off < b.length; off += 4096) {
                            if (off == b.length / 2) {
                                halfway.await(
                                        1, TimeUnit.MINUTES); // a timeout only so that a failed writer fails the test
                            }
                            upload.write(ByteBuffer.wrap(b, off, 4096));
                        }
                        halfway.await(1, TimeUnit.MINUTES);
                        upload.commit(d);
                    }
                    return null;
                }));
            }
            for (Future<?> w : writers) {
                w.get();
            }
        } finally {
            threads.shutdownNow();
        }
        assertArrayEquals(b, store.readBlob(d, b.length));
        assertEquals(1, scan().size());
        assertEquals(new Datastore.UploadsSummary(0, 0, 0, 0), store.scanUploads(Duration.ZERO, false));
    }

    // ---- uses

    @Test
    void recordUseMovesTheLastUseOnlyLaterUnlessOverwriting() throws IOException {
        byte[] b = bytes(16, 100);
        Digest d = Digest.sha256Of(b);
        storeWrittenAt(d, b, T0);
        assertEquals(T0, scannedLastUse(d), "written counts as used");
        assertTrue(store.recordUse(d, Instant.ofEpochMilli(T0 + 600_000), false));
        assertEquals(T0 + 600_000, scannedLastUse(d));
        assertTrue(store.recordUse(d, Instant.ofEpochMilli(T0 + 300_000), false));
        assertEquals(T0 + 600_000, scannedLastUse(d), "an earlier use does not move it back");
        assertTrue(store.recordUse(d, Instant.ofEpochMilli(T0 + 300_000), true));
        assertEquals(T0 + 300_000, scannedLastUse(d), "overwritten");
        assertTrue(store.recordUse(d, Instant.ofEpochMilli(T0 - 3_600_000), true));
        assertEquals(T0, scannedLastUse(d), "never before its write");
    }

    // ---- scans

    @Test
    void partitionsAndScansVisitEveryBlobExactlyOnceWithItsSizeAndHash() throws IOException {
        List<Scanned> expected = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Digest d = put(100 + i, 10 + i);
            expected.add(new Scanned(d, 10 + i, 0));
        }
        byte[] big = bytes(99, 77);
        Digest sha512 = Digest.fromHash(
                Digest.Algorithm.SHA512,
                Digest.Algorithm.SHA512.newMessageDigest().digest(big));
        store.putBlob(REPO, sha512, big);
        expected.add(new Scanned(sha512, 77, 0));
        Digest deleted = put(98, 5);
        store.deleteBlob(deleted);
        List<Scanned> seen =
                scan().stream().map(s -> new Scanned(s.digest(), s.size(), 0)).toList();
        assertEquals(expected.size(), seen.size(), "each blob once");
        assertEquals(Set.copyOf(expected), Set.copyOf(seen));
        assertTrue(store.blobPartitions().size() > 1, "more than one part, for the scan's threads");
    }

    // ---- pruning

    @Test
    void pruneDanglingRemovesLinksAndTagsWhoseBlobIsGoneAndCountsThem() throws IOException {
        Digest layer = put(20, 10);
        Digest goneLayer = put(21, 10);
        Digest manifest = put(22, 10);
        Digest goneManifest = put(23, 10);
        store.linkLayer(REPO, layer);
        store.linkLayer(REPO, goneLayer);
        store.linkManifest(REPO, manifest);
        store.linkManifest(REPO, goneManifest);
        store.tag(REPO, Tag.parse("gone"), goneManifest);
        store.tag(REPO, Tag.parse("kept"), goneManifest);
        store.tag(REPO, Tag.parse("kept"), manifest); // its history still names the gone one
        store.linkLayer(OTHER, goneLayer);
        Set<Digest> stored = Set.of(layer, manifest);

        Datastore.PruneSummary dry = prune(stored, true);
        assertEquals(
                new Datastore.PruneSummary(4, 1, 0),
                dry,
                "2 links here, 1 in a tag's history, 1 in the other repository");
        assertTrue(store.layerLinked(REPO, goneLayer)
                && store.manifestLinked(REPO, goneManifest)
                && store.layerLinked(OTHER, goneLayer));
        assertEquals(List.of(Tag.parse("gone"), Tag.parse("kept")), store.tags(REPO), "a dry run changes nothing");

        Datastore.PruneSummary pruned = prune(stored, false);
        assertEquals(4, pruned.links());
        assertEquals(1, pruned.tags());
        assertEquals(storeKeepsEmptyFolders(), pruned.folders() > 0, "the other repository is left empty");
        assertTrue(store.layerLinked(REPO, layer));
        assertFalse(store.layerLinked(REPO, goneLayer));
        assertTrue(store.manifestLinked(REPO, manifest));
        assertFalse(store.manifestLinked(REPO, goneManifest));
        assertEquals(List.of(Tag.parse("kept")), store.tags(REPO));
        assertNull(store.tagTarget(REPO, Tag.parse("gone")));
        assertEquals(manifest, store.tagTarget(REPO, Tag.parse("kept")));
        assertTrue(store.repositoryExists(REPO));
        assertFalse(store.repositoryExists(OTHER));
        Datastore.PruneSummary again = prune(stored, false);
        assertEquals(0, again.links() + again.tags(), "nothing dangles any more, history included");
    }

    @Test
    void pruneDanglingRemovesARepositoryLeftEmptyAfterItsUploads() throws IOException {
        Digest d = put(24, 10); // uploaded under REPO, which the upload made known
        store.linkLayer(REPO, d);
        try (BlobUpload discarded = store.newUpload(REPO)) {
            discarded.write(ByteBuffer.wrap(new byte[3]));
        }
        assertEquals(new Datastore.PruneSummary(1, 0, 0), prune(Set.of(), true));
        assertEquals(storeKeepsEmptyFolders(), prune(Set.of(), false).folders() > 0);
        assertFalse(store.repositoryExists(REPO));
    }

    @Test
    void pruneDanglingKeepsARepositoryWithAnUploadInProgress() throws IOException {
        Digest d = put(25, 10);
        store.linkLayer(REPO, d);
        try (BlobUpload live = store.newUpload(REPO)) {
            live.write(ByteBuffer.wrap(new byte[3]));
            assertEquals(1, prune(Set.of(), false).links());
            assertTrue(store.repositoryExists(REPO));
            assertEquals(new Datastore.UploadsSummary(1, 3, 0, 0), store.scanUploads(NEVER_STALE, false));
        }
    }

    // ---- links and tags

    @Test
    void linksAreKeptWhetherOrNotTheirBlobIsStoredAndWritingOneTwiceIsFine() throws IOException {
        Digest d = Digest.sha256Of(new byte[] {42});
        store.linkLayer(REPO, d);
        store.linkLayer(REPO, d);
        store.linkManifest(REPO, d);
        store.linkManifest(REPO, d);
        assertTrue(store.repositoryExists(REPO));
        assertTrue(store.layerLinked(REPO, d));
        assertTrue(store.manifestLinked(REPO, d));
        assertFalse(store.layerLinked(OTHER, d), "links are per repository");
        assertFalse(store.manifestLinked(REPO, Digest.sha256Of(new byte[] {43})));
    }

    @Test
    void aTagPointsAtItsLatestDigestAndIsServedOnlyWhileThatManifestIsStored() throws IOException {
        Tag v1 = Tag.parse("v1");
        Digest first = put(30, 10);
        Digest second = Digest.sha256Of(bytes(31, 10));
        store.tag(REPO, v1, first);
        store.tag(REPO, v1, first);
        assertEquals(first, store.tagTarget(REPO, v1));
        assertEquals(first, store.taggedDigest(REPO, v1));
        store.tag(REPO, v1, second);
        assertEquals(second, store.tagTarget(REPO, v1));
        assertNull(store.taggedDigest(REPO, v1), "the manifest it points at is not stored");
        store.putBlob(REPO, second, bytes(31, 10));
        assertEquals(second, store.taggedDigest(REPO, v1));
        assertNull(store.tagTarget(OTHER, v1));
    }

    @Test
    void aTagsHistoryKeepsEveryDigestItPointedAt() throws IOException {
        Tag v1 = Tag.parse("v1");
        Digest old = put(32, 10);
        Digest current = put(33, 10);
        store.tag(REPO, v1, old);
        store.tag(REPO, v1, current);
        assertEquals(
                new Datastore.PruneSummary(1, 0, 0),
                prune(Set.of(current), true),
                "the old digest's entry in the history dangles, the tag does not");
        assertEquals(new Datastore.PruneSummary(0, 0, 0), prune(Set.of(current, old), true));
    }

    @Test
    void tagsAreListedSortedWhetherOrNotTheirManifestsAreStored() throws IOException {
        Digest d = Digest.sha256Of(new byte[] {44});
        for (String t : List.of("v2", "latest", "v10", "A", "_x")) {
            store.tag(REPO, Tag.parse(t), d);
        }
        assertEquals(
                List.of("A", "_x", "latest", "v10", "v2"),
                store.tags(REPO).stream().map(Tag::toString).toList());
        assertEquals(List.of(), store.tags(OTHER));
    }

    // ---- leases

    static final Duration TERM = Duration.ofMinutes(2);
    static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

    // ---- browsing and purging

    @Test
    void repositoriesAreListedSortedWithTheirLinksIncludingNestedOnes() throws IOException {
        RepositoryName nested = RepositoryName.parse("quay.io/team/app/sub");
        Digest layer = put(1, 10);
        Digest manifest = put(2, 20);
        store.linkLayer(REPO, layer);
        store.linkManifest(REPO, manifest);
        store.tag(OTHER, Tag.parse("v1"), manifest);
        store.linkLayer(nested, layer);
        assertEquals(List.of(OTHER, REPO, nested), store.repositories());
        assertEquals(List.of(layer), store.layerLinks(REPO));
        assertEquals(List.of(manifest), store.manifestRevisions(REPO));
        assertEquals(List.of(), store.manifestRevisions(OTHER));
        assertEquals(List.of(), store.layerLinks(RepositoryName.parse("quay.io/none")));
    }

    @Test
    void unlinkingAndUntaggingRemoveTheLinksButNotTheBlobsAndEmptyRepositoriesDisappear() throws IOException {
        Digest layer = put(1, 10);
        Digest manifest = put(2, 20);
        Tag v1 = Tag.parse("v1");
        store.linkLayer(REPO, layer);
        store.linkManifest(REPO, manifest);
        store.tag(REPO, v1, manifest);
        assertTrue(store.untag(REPO, v1));
        assertFalse(store.untag(REPO, v1));
        assertNull(store.tagTarget(REPO, v1));
        assertEquals(List.of(), store.tags(REPO));
        assertTrue(store.unlinkManifest(REPO, manifest));
        assertFalse(store.unlinkManifest(REPO, manifest));
        assertFalse(store.manifestLinked(REPO, manifest));
        assertEquals(List.of(REPO), store.repositories());
        assertTrue(store.unlinkLayer(REPO, layer));
        assertFalse(store.unlinkLayer(REPO, layer));
        assertFalse(store.layerLinked(REPO, layer));
        assertEquals(List.of(), store.repositories());
        assertEquals(10, store.blobSize(layer));
        assertEquals(20, store.blobSize(manifest));
        store.tag(REPO, v1, manifest); // the repository can be written again
        assertEquals(manifest, store.tagTarget(REPO, v1));
    }

    @Test
    void lastUseIsTheLatestOfWriteAndRecordedUseAndMinusOneWhenAbsent() throws IOException {
        Digest d = Digest.sha256Of(bytes(3, 30));
        storeWrittenAt(d, bytes(3, 30), T0);
        assertEquals(T0, store.lastUse(d));
        store.recordUse(d, Instant.ofEpochMilli(T0 + 5000), false);
        assertEquals(T0 + 5000, store.lastUse(d));
        assertEquals(scannedLastUse(d), store.lastUse(d));
        store.deleteBlob(d);
        assertEquals(-1, store.lastUse(d));
    }

    // ---- marks

    @Test
    void marksAreWrittenReadListedAndDeletedPerKindAndKey() throws IOException {
        String key = Mark.keyOf(Digest.sha256Of(new byte[] {1}));
        assertFalse(store.hasMark(Mark.QUARANTINE, key));
        assertNull(store.readMark(Mark.QUARANTINE, key));
        assertEquals(List.of(), store.marks(Mark.QUARANTINE));
        store.putMark(Mark.QUARANTINE, key, new byte[] {1, 2});
        store.putMark(Mark.QUARANTINE, key, new byte[] {3});
        store.putMark(Mark.PIN, "b-pin", new byte[] {4});
        store.putMark(Mark.PIN, "a-pin", new byte[] {5});
        assertTrue(store.hasMark(Mark.QUARANTINE, key));
        assertArrayEquals(new byte[] {3}, store.readMark(Mark.QUARANTINE, key));
        assertEquals(List.of(key), store.marks(Mark.QUARANTINE));
        assertEquals(List.of("a-pin", "b-pin"), store.marks(Mark.PIN));
        assertFalse(store.hasMark(Mark.PIN, key));
        assertTrue(store.deleteMark(Mark.QUARANTINE, key));
        assertFalse(store.deleteMark(Mark.QUARANTINE, key));
        assertFalse(store.hasMark(Mark.QUARANTINE, key));
        assertEquals(List.of("a-pin", "b-pin"), store.marks(Mark.PIN));
    }

    @Test
    void markKeysAreWordsThatCannotNameAPath() {
        for (String bad : new String[] {"", "../x", "a/b", "A", ".hidden", "x".repeat(161), null}) {
            assertFalse(Mark.isKey(bad), String.valueOf(bad));
        }
        assertTrue(Mark.isKey(Mark.keyOf(Digest.sha256Of(new byte[] {1}))));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> store.putMark(Mark.PIN, "../escape", new byte[0]));
    }

    @Test
    void aLeaseIsHeldByOneHolderUntilItExpiresAndItsHolderRenewsIt() throws IOException {
        assertTrue(store.holdLease("cleaner", "replica-a", NOW, TERM), "a free lease is taken");
        assertFalse(store.holdLease("cleaner", "replica-b", NOW.plusSeconds(60), TERM), "held by another");
        assertTrue(store.holdLease("cleaner", "replica-a", NOW.plusSeconds(100), TERM), "renewed by its holder");
        assertFalse(
                store.holdLease("cleaner", "replica-b", NOW.plusSeconds(200), TERM),
                "the renewal runs 2 min from 100 s");
        assertTrue(store.holdLease("other", "replica-b", NOW, TERM), "leases are independent of each other");
        assertTrue(store.holdLease("cleaner", "replica-b", NOW.plusSeconds(221), TERM), "expired: the next takes it");
        assertFalse(store.holdLease("cleaner", "replica-a", NOW.plusSeconds(222), TERM), "the old holder lost it");
    }

    @Test
    void aReleasedLeaseIsFreeAtOnceButOnlyItsHolderReleasesIt() throws IOException {
        assertTrue(store.holdLease("cleaner", "replica-a", NOW, TERM));
        store.releaseLease("cleaner", "replica-b");
        assertFalse(store.holdLease("cleaner", "replica-b", NOW, TERM), "a release by another changes nothing");
        store.releaseLease("cleaner", "replica-a");
        assertTrue(store.holdLease("cleaner", "replica-b", NOW, TERM));
    }

    @Test
    void ofHoldersAskingAtOnceForAFreeOrAnExpiredLeaseExactlyOneGetsIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (Instant when : List.of(NOW, NOW.plus(TERM).plusSeconds(1))) {
                if (!when.equals(NOW)) {
                    assertFalse(
                            store.holdLease("cleaner", "someone", NOW, TERM),
                            "held by \"first\" since the first round");
                }
                List<String> winners = askAtOnce(pool, 8, when);
                assertEquals(1, winners.size(), "at " + when + ": " + winners);
                assertTrue(store.holdLease("cleaner", winners.get(0), when, TERM), "the winner holds it");
                if (when.equals(NOW)) {
                    store.releaseLease("cleaner", winners.get(0));
                    assertTrue(store.holdLease("cleaner", "first", NOW, TERM));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Round after round, eight holders at once ask for a lease that ran out a term ago, the last
     * round's winner among them: each round exactly one takes it. (A takeover that moved the lease
     * away to check it, and put back one just taken by another, left the name free in between for a
     * third holder; a former holder renewed its own expired lease over a takeover's. Either gave two
     * winners within the first few hundred rounds.)
     */
    @Test
    void roundAfterRoundOfHoldersTakingOverAnExpiredLeaseAtOnceExactlyOneGetsIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            assertTrue(store.holdLease("cleaner", "first", NOW, TERM));
            for (int round = 1; round <= 2000; round++) {
                Instant when = NOW.plus(TERM.multipliedBy(2L * round)); // the last round's lease ran out a term ago
                List<String> winners = askAtOnce(pool, 8, when);
                assertEquals(1, winners.size(), "round " + round + ": " + winners);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The holders among {@code replica-0} to {@code replica-<n-1>}, asking for the lease at once at {@code when}, that got it. */
    private List<String> askAtOnce(ExecutorService pool, int n, Instant when) throws Exception {
        CyclicBarrier start = new CyclicBarrier(n);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String holder = "replica-" + i;
            results.add(pool.submit(() -> {
                start.await();
                return store.holdLease("cleaner", holder, when, TERM);
            }));
        }
        List<String> winners = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (results.get(i).get(60, TimeUnit.SECONDS)) {
                winners.add("replica-" + i);
            }
        }
        return winners;
    }

    @Test
    void aLeaseRunningFurtherAheadThanATermBeyondAnyLeaseTakenNowIsStale() throws IOException {
        // what a replica whose clock ran a century ahead leaves, or a bad write ("ghost 99999999999999")
        assertTrue(store.holdLease("cleaner", "ghost", NOW.plus(Duration.ofDays(36_500)), TERM));
        assertTrue(store.holdLease("cleaner", "replica-a", NOW, TERM), "taken over, not honoured for a century");
        assertFalse(store.holdLease("cleaner", "replica-b", NOW, TERM), "replica-a's lease runs as any other");
    }

    @Test
    void aHolderWhoseClockRunsAheadByUpToATermKeepsItsTurn() throws IOException {
        assertTrue(store.holdLease("cleaner", "ahead", NOW.plus(TERM), TERM), "runs until two terms from now");
        assertFalse(store.holdLease("cleaner", "replica-b", NOW, TERM), "one term of lease, one of clock skew");
    }

    @Test
    void leaseNamesAndHoldersAreWordsThatCannotNameAPath() {
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> store.holdLease("../x", "replica-a", NOW, TERM));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> store.holdLease("cleaner", "a b", NOW, TERM));
    }
}
