package dev.registrycache.node.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.common.store.InMemoryDatastore;
import dev.registrycache.node.GatedBlobUpstream;
import dev.registrycache.node.NodeMetrics;
import dev.registrycache.node.upstream.RedirectPolicy;
import dev.registrycache.node.upstream.TokenRealmPolicy;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.testsupport.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's blob downloads over the in-memory datastore: the upstream is a real HTTP peer that
 * holds back half of the blob until released, the store is in memory (and can fill its disk,
 * refuse uploads or commits), so what is asserted is the cache logic: one download for many
 * followers, followers reading the upload as it is written, nothing published or left behind
 * for a blob that does not match its digest, and a datastore that cannot take the blob costing
 * the store the blob, never a follower its pull.
 */
class BlobDownloadsTest {
    private static final long WAIT_MILLIS = Duration.ofSeconds(60).toMillis();
    private static final RepositoryName REPOSITORY = RepositoryName.parse("quay.io/team/app");

    private static final byte[] BLOB = randomBytes(700_000);
    /** Larger than what memory keeps of a download, so that a download through memory moves on. */
    private static final byte[] BIG = randomBytes(3 * SpillableUpload.RING_BYTES + 12_345);

    private byte[] blob = BLOB;
    private Digest digest = Digest.sha256Of(BLOB);
    private final InMemoryDatastore store = new InMemoryDatastore();
    private final Metrics metrics = new Metrics();
    private GatedBlobUpstream upstream;
    private UpstreamClient client;
    private BlobDownloads downloads;
    private final ExecutorService readers = Executors.newCachedThreadPool();

    private void start(byte[] served) throws Exception {
        startWith(Map.of(digest, served == null ? blob : served));
    }

    private void startWith(Map<Digest, byte[]> blobs) throws Exception {
        upstream = new GatedBlobUpstream(blobs, Set.of("team/app"));
        NodeMetrics nodeMetrics = NodeMetrics.in(metrics);
        URI endpoint = URI.create(upstream.baseUrl());
        client = new UpstreamClient(
                "quay.io",
                endpoint,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                new RedirectPolicy(endpoint, true),
                new TokenRealmPolicy("quay.io", endpoint, Set.of()),
                nodeMetrics);
        client.start();
        downloads = new BlobDownloads(store, client, "quay.io", nodeMetrics);
    }

    private void startBig() throws Exception {
        blob = BIG;
        digest = Digest.sha256Of(BIG);
        start(null);
    }

    @AfterEach
    void stop() throws Exception {
        readers.shutdownNow();
        try (GatedBlobUpstream u = upstream;
                AutoCloseable c = client;
                BlobDownloads d = downloads) {
            // closed in reverse order
        }
    }

    @Test
    void tenConcurrentFollowersShareOneUpstreamGetAndTheBlobIsPublished() throws Exception {
        start(null);
        List<Future<byte[]>> results = new ArrayList<>();
        CountDownLatch joined = new CountDownLatch(10);
        for (int i = 0; i < 10; i++) {
            results.add(readers.submit(readWhole(joined)));
        }
        // all ten follow the download before its second half comes: a reader whose thread started
        // after the blob was stored would find it in the store instead (CI saw one, once)
        assertTrue(joined.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "every reader follows the one download");
        upstream.release();
        for (Future<byte[]> r : results) {
            assertArrayEquals(blob, r.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        }
        assertEquals(1, upstream.blobGets());
        assertEquals(blob.length, store.blobSize(digest));
        assertEquals(true, store.layerLinked(REPOSITORY, digest));
        assertEquals(0, uploadsLeft());
        assertNull(follow(null), "a stored blob is served from the store, not downloaded");
    }

    @Test
    void aBlobThatDoesNotMatchItsDigestIsNeverPublishedAndItsFollowersFail() throws Exception {
        byte[] served = blob.clone();
        served[blob.length - 1] ^= 1; // the last byte: everything before it reaches the followers
        start(served);
        CountDownLatch joined = new CountDownLatch(1);
        Future<byte[]> reader = readers.submit(readWhole(joined));
        assertTrue(joined.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the follower joined the download");
        upstream.release();
        Exception failure = assertThrows(Exception.class, () -> reader.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertEquals(IOException.class, failure.getCause().getClass(), failure.toString());
        Digest.Algorithm[] seen = new Digest.Algorithm[1];
        store.blobPartitions().forEach(p -> store.scanBlobs(p, (a, h, size, use) -> seen[0] = a));
        assertNull(seen[0], "nothing is stored");
        assertNothingStored(); // and the failed upload discarded (right after the followers heard of the failure)
    }

    @Test
    void aRepositoryTheUpstreamRefusesGetsItsErrorAndNothingIsWritten() throws Exception {
        start(null);
        upstream.release();
        RepositoryName other = RepositoryName.parse("quay.io/other/app");
        try (SpillableUpload.Follower follower = downloads.follow(digest, "other/app", other, null)) {
            RegistryException e = assertThrows(
                    RegistryException.class, () -> follower.download().awaitSize());
            assertEquals("BLOB_UNKNOWN", e.code().name());
        }
        assertEquals(-1, store.blobSize(digest));
        assertEquals(false, store.repositoryExists(other));
    }

    @Test
    void aFollowerJoiningLateGetsTheSameDownload() throws Exception {
        start(null);
        try (SpillableUpload.Follower first = follow(null)) {
            first.download().awaitSize();
            try (SpillableUpload.Follower second = follow(null)) {
                assertSame(first.download(), second.download());
                assertSame(first.download(), downloads.inFlight(digest));
                upstream.release();
                assertArrayEquals(blob, read(second));
            }
        }
    }

    @Test
    void aDiskThatFillsMidwayCostsTheStoreTheBlobNotTheFollowersTheirPulls() throws Exception {
        store.fillDiskAfter(blob.length / 3);
        start(null);
        List<Future<byte[]>> results = new ArrayList<>();
        CountDownLatch joined = new CountDownLatch(5);
        for (int i = 0; i < 5; i++) {
            results.add(readers.submit(readWhole(joined)));
        }
        assertTrue(joined.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the followers joined the download");
        upstream.release();
        for (Future<byte[]> r : results) {
            assertArrayEquals(blob, r.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        }
        assertEquals(1, upstream.blobGets());
        assertNothingStored();
    }

    @Test
    void aDatastoreThatCannotMakeAnUploadStillServesTheBlobThroughMemory() throws Exception {
        store.refuseUploads(true);
        start(null);
        Future<byte[]> reader = readers.submit(readWhole(new CountDownLatch(1)));
        upstream.release();
        assertArrayEquals(blob, reader.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertNothingStored();
    }

    @Test
    void aBlobLargerThanTheMemoryReachesASlowFollowerWholeWithoutStorage() throws Exception {
        store.refuseUploads(true);
        startBig();
        upstream.release();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8 * 1024); // small reads: the download waits for this follower
        try (SpillableUpload.Follower follower = follow(null)) {
            long position = 0;
            for (int n; (n = follower.read(buffer.clear(), position)) >= 0; position += n) {
                out.write(buffer.array(), 0, n);
            }
            follower.download().awaitVerified();
        }
        assertArrayEquals(blob, out.toByteArray());
        assertEquals(1, upstream.blobGets());
        assertNothingStored();
    }

    @Test
    void aCorruptBlobStillFailsItsFollowersWhenTheDiskIsFull() throws Exception {
        byte[] served = blob.clone();
        served[blob.length - 1] ^= 1;
        store.fillDiskAfter(1000);
        start(served);
        CountDownLatch joined = new CountDownLatch(1);
        Future<byte[]> reader = readers.submit(readWhole(joined));
        assertTrue(joined.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the follower joined the download");
        upstream.release();
        Exception failure = assertThrows(Exception.class, () -> reader.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertEquals(IOException.class, failure.getCause().getClass(), failure.toString());
        assertNothingStored();
    }

    @Test
    void aPublishThatFailsStillCompletesTheVerifiedResponses() throws Exception {
        store.refuseCommits(true);
        start(null);
        BlobDownload download;
        try (SpillableUpload.Follower joined = follow(null)) { // a follower in before the end
            download = joined.download();
            upstream.release();
            assertArrayEquals(blob, read(joined));
        }
        assertNothingStored();
        assertNull(download.follow(), "a follower too late follows a new download");
        try (SpillableUpload.Follower late = follow(null)) {
            assertNotSame(download, late.download());
        }
    }

    @Test
    void aFollowerTheMemoryHasMovedPastGetsADownloadOfItsOwn() throws Exception {
        store.refuseUploads(true);
        startBig(); // the upstream sends half of the blob, then waits
        AtomicLong firstRead = new AtomicLong();
        Future<byte[]> first = readers.submit(() -> {
            try (SpillableUpload.Follower f = follow(null)) {
                return read(f, firstRead);
            }
        });
        Await.until(
                "the first follower read past what memory keeps",
                Duration.ofSeconds(60),
                () -> firstRead.get() > SpillableUpload.RING_BYTES + UploadMemory.BLOCK);
        BlobDownload tooLate;
        try (SpillableUpload.Follower late = follow(null)) {
            tooLate = late.download();
            assertThrows(BytesGone.class, () -> late.read(ByteBuffer.allocate(1024), 0));
        }
        Future<byte[]> second = readers.submit(() -> {
            try (SpillableUpload.Follower f = downloads.follow(digest, "team/app", REPOSITORY, tooLate)) {
                assertNotSame(tooLate, f.download());
                assertSame(f.download(), downloads.inFlight(digest), "later followers follow the new download");
                return read(f);
            }
        });
        Await.until("the second download asked the upstream", Duration.ofSeconds(60), () -> upstream.blobGets() == 2);
        upstream.release();
        assertArrayEquals(blob, first.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertArrayEquals(blob, second.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertNothingStored();
    }

    @Test
    void aFollowerThatStopsReadingIsDroppedAndTheOthersGetTheBlob() throws Exception {
        store.refuseUploads(true);
        startBig();
        upstream.release();
        try (SpillableUpload.Follower stalled = follow(null)) {
            stalled.read(ByteBuffer.allocate(1024), 0); // then nothing: memory fills up, and it is dropped
            Future<byte[]> reader = readers.submit(readWhole(new CountDownLatch(1)));
            assertArrayEquals(blob, reader.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
            assertThrows(BytesGone.class, () -> stalled.read(ByteBuffer.allocate(1024), 1024));
        }
        assertNothingStored();
    }

    @Test
    void aDownloadTheNodesMemoryCannotTakeIs503UntilFollowersThatStoppedReadingAreDropped() throws Exception {
        store.refuseUploads(true);
        Map<Digest, byte[]> blobs = new HashMap<>();
        List<Digest> digests = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            byte[] bytes = randomBytes(SpillableUpload.RING_BYTES + 100_000, 20 + i);
            digests.add(Digest.sha256Of(bytes));
            blobs.put(digests.get(i), bytes);
        }
        startWith(blobs);
        upstream.release();
        List<SpillableUpload.Follower> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) { // followers that never read: each download fills its memory
                stalled.add(downloads.follow(digests.get(i), "team/app", REPOSITORY, null));
            }
            Await.until(
                    "the node's memory for such downloads is taken",
                    Duration.ofSeconds(60),
                    () -> memoryHeld() == UploadMemory.TOTAL_BYTES);
            try (SpillableUpload.Follower refused = downloads.follow(digests.get(8), "team/app", REPOSITORY, null)) {
                RegistryException e = assertThrows(
                        RegistryException.class, () -> refused.download().awaitSize());
                assertEquals("UNAVAILABLE", e.code().name());
                assertEquals(1, e.retryAfterSeconds());
            }
            Await.until(
                    "the followers that stopped reading are dropped", Duration.ofSeconds(60), () -> memoryHeld() == 0);
            try (SpillableUpload.Follower later = downloads.follow(digests.get(8), "team/app", REPOSITORY, null)) {
                assertArrayEquals(blobs.get(digests.get(8)), read(later));
            }
            for (SpillableUpload.Follower f : stalled) {
                assertThrows(IOException.class, () -> f.read(ByteBuffer.allocate(1024), 0), "its own transfer breaks");
            }
        } finally {
            for (SpillableUpload.Follower f : stalled) {
                f.close();
            }
        }
        Await.until("the memory is given back", Duration.ofSeconds(60), () -> memoryHeld() == 0);
    }

    /**
     * No blob, no link, and (once the download has closed it, right after its followers' end) no
     * upload left behind, and no memory held for it.
     */
    private void assertNothingStored() throws InterruptedException {
        assertEquals(-1, store.blobSize(digest));
        assertEquals(false, store.layerLinked(REPOSITORY, digest));
        Await.until("the upload is discarded", Duration.ofSeconds(60), () -> uploadsLeft() == 0);
        Await.until("the memory is given back", Duration.ofSeconds(60), () -> memoryHeld() == 0);
    }

    private int uploadsLeft() {
        Datastore.UploadsSummary uploads = store.scanUploads(Duration.ZERO, false);
        return uploads.live() + uploads.stale();
    }

    /** Bytes held in memory for downloads the datastore could not take, as the node's metrics report them. */
    private double memoryHeld() {
        String prefix = "registry_cache_upload_memory_bytes{registry=\"quay.io\"} ";
        return metrics.render()
                .lines()
                .filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst()
                .orElse(0);
    }

    private SpillableUpload.Follower follow(BlobDownload tooLate) {
        return downloads.follow(digest, "team/app", REPOSITORY, tooLate);
    }

    /** A client reading the whole blob; {@code joined} counts down once it follows the download and the upstream answered. */
    private Callable<byte[]> readWhole(CountDownLatch joined) {
        return () -> {
            try (SpillableUpload.Follower follower = follow(null)) {
                follower.download().awaitSize();
                joined.countDown();
                return read(follower);
            }
        };
    }

    private static byte[] read(SpillableUpload.Follower follower) throws Exception {
        return read(follower, new AtomicLong());
    }

    /** Reads the blob as a client's response would, to its verified end; {@code progress}: bytes read so far. */
    private static byte[] read(SpillableUpload.Follower follower, AtomicLong progress) throws Exception {
        assertTrue(follower.download().awaitSize() >= 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long position = 0;
        for (int n; (n = follower.read(buffer.clear(), position)) >= 0; position += n) {
            out.write(buffer.array(), 0, n);
            progress.set(position + n);
        }
        follower.download().awaitVerified();
        return out.toByteArray();
    }

    private static byte[] randomBytes(int n) {
        return randomBytes(n, 5);
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
