package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.Digest;
import dev.registrycache.common.Metrics;
import dev.registrycache.common.RegistryException;
import dev.registrycache.common.RepositoryName;
import dev.registrycache.common.store.InMemoryDatastore;
import dev.registrycache.node.cache.DownloadInFlight;
import dev.registrycache.node.cache.SharedDownloads;
import dev.registrycache.node.upstream.RedirectPolicy;
import dev.registrycache.node.upstream.TokenRealmPolicy;
import dev.registrycache.node.upstream.UpstreamClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's single fetch over the in-memory datastore: the upstream is a real HTTP peer that
 * holds back half of the blob until released, the store is in memory, so what is asserted is the
 * cache logic: one download for many readers, readers following the upload, nothing published or
 * left behind for a blob that does not match its digest.
 */
class SharedDownloadsTest {
    private static final long WAIT_MILLIS = Duration.ofSeconds(60).toMillis();
    private static final RepositoryName REPOSITORY = RepositoryName.parse("quay.io/team/app");

    private static final byte[] BLOB = randomBytes(700_000);
    private static final Digest DIGEST = Digest.sha256Of(BLOB);

    private final byte[] blob = BLOB;
    private final Digest digest = DIGEST;
    private final InMemoryDatastore store = new InMemoryDatastore();
    private GatedBlobUpstream upstream;
    private UpstreamClient client;
    private SharedDownloads downloads;
    private final ExecutorService readers = Executors.newCachedThreadPool();

    private void start(byte[] served) throws Exception {
        upstream = new GatedBlobUpstream(digest, served == null ? blob : served, Set.of("team/app"));
        NodeMetrics metrics = NodeMetrics.in(new Metrics());
        client = anonymousClient(upstream.baseUrl(), metrics);
        downloads = new SharedDownloads(store, client, "quay.io", metrics);
    }

    private static UpstreamClient anonymousClient(String baseUrl, NodeMetrics metrics) throws Exception {
        URI endpoint = URI.create(baseUrl);
        UpstreamClient client = new UpstreamClient(
                "quay.io",
                endpoint,
                Optional.empty(),
                Optional.empty(),
                new RedirectPolicy(endpoint, true),
                new TokenRealmPolicy("quay.io", endpoint, Set.of()),
                metrics);
        client.start();
        return client;
    }

    @AfterEach
    void stop() throws Exception {
        readers.shutdownNow();
        try (GatedBlobUpstream u = upstream;
                AutoCloseable c = client;
                SharedDownloads d = downloads) {
            // closed in reverse order
        }
    }

    @Test
    void tenConcurrentReadersShareOneUpstreamGetAndTheBlobIsPublished() throws Exception {
        start(null);
        List<Future<byte[]>> results = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            results.add(readers.submit(readWhole()));
        }
        upstream.release();
        for (Future<byte[]> r : results) {
            assertArrayEquals(blob, r.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        }
        assertEquals(1, upstream.blobGets());
        assertEquals(blob.length, store.blobSize(digest));
        assertEquals(true, store.layerLinked(REPOSITORY, digest));
        assertEquals(
                0,
                store.scanUploads(Duration.ZERO, false).live()
                        + store.scanUploads(Duration.ZERO, false).stale());
        assertNull(
                downloads.fetch(digest, "team/app", REPOSITORY), "a stored blob is served from the store, not fetched");
    }

    @Test
    void aBlobThatDoesNotMatchItsDigestIsNeverPublishedAndItsReadersFail() throws Exception {
        byte[] served = blob.clone();
        served[blob.length - 1] ^= 1; // the last byte: everything before it reaches the readers
        start(served);
        CountDownLatch joined = new CountDownLatch(1);
        Future<byte[]> reader = readers.submit(readWhole(joined));
        assertTrue(joined.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the reader joined the download");
        upstream.release();
        Exception failure = assertThrows(Exception.class, () -> reader.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertEquals(IOException.class, failure.getCause().getClass(), failure.toString());
        assertEquals(-1, store.blobSize(digest));
        assertEquals(false, store.layerLinked(REPOSITORY, digest));
        Digest.Algorithm[] seen = new Digest.Algorithm[1];
        store.blobPartitions().forEach(p -> store.scanBlobs(p, (a, h, size, use) -> seen[0] = a));
        assertNull(seen[0], "nothing is stored");
        assertNothingStored(); // and the failed upload discarded (right after the readers heard of the failure)
    }

    @Test
    void aRepositoryTheUpstreamRefusesGetsItsErrorAndNothingIsWritten() throws Exception {
        start(null);
        upstream.release();
        DownloadInFlight fetch = downloads.fetch(digest, "other/app", RepositoryName.parse("quay.io/other/app"));
        RegistryException e = assertThrows(RegistryException.class, () -> fetch.awaitSize(WAIT_MILLIS));
        assertEquals("BLOB_UNKNOWN", e.code().name());
        assertEquals(-1, store.blobSize(digest));
        assertEquals(false, store.repositoryExists(RepositoryName.parse("quay.io/other/app")));
    }

    @Test
    void aReaderJoiningLateGetsTheSameDownload() throws Exception {
        start(null);
        DownloadInFlight first = downloads.fetch(digest, "team/app", REPOSITORY);
        first.awaitSize(WAIT_MILLIS);
        assertSame(first, downloads.fetch(digest, "team/app", REPOSITORY));
        assertSame(first, downloads.inFlight(digest));
        upstream.release();
        assertArrayEquals(blob, read(first));
    }

    @Test
    void aDiskThatFillsMidwayCostsTheStoreTheBlobNotTheReadersTheirPulls() throws Exception {
        store.fillDiskAfter(blob.length / 3);
        start(null);
        List<Future<byte[]>> results = new ArrayList<>();
        CountDownLatch joined = new CountDownLatch(5);
        for (int i = 0; i < 5; i++) {
            results.add(readers.submit(readWhole(joined)));
        }
        assertTrue(joined.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the readers joined the download");
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
        Future<byte[]> reader = readers.submit(readWhole());
        upstream.release();
        assertArrayEquals(blob, reader.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertNothingStored();
    }

    @Test
    void aBlobLargerThanTheMemoryWindowReachesASlowReaderWholeWithoutStorage() throws Exception {
        byte[] big = randomBytes(3 * DownloadInFlight.RELAY_WINDOW + 12_345);
        Digest bigDigest = Digest.sha256Of(big);
        store.refuseUploads(true);
        upstream = null;
        try (GatedBlobUpstream u = new GatedBlobUpstream(bigDigest, big, Set.of("team/app"))) {
            NodeMetrics metrics = NodeMetrics.in(new Metrics());
            client = anonymousClient(u.baseUrl(), metrics);
            downloads = new SharedDownloads(store, client, "quay.io", metrics);
            u.release();
            DownloadInFlight fetch = downloads.fetch(bigDigest, "team/app", REPOSITORY);
            long size = fetch.awaitSize(WAIT_MILLIS);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8 * 1024); // small reads: the download waits for this reader
            try (DownloadInFlight.Follower reader = fetch.open(0)) {
                long position = 0;
                while (position < size) {
                    long readable = fetch.awaitReadable(position, size, WAIT_MILLIS);
                    buffer.clear();
                    buffer.limit((int) Math.min(buffer.capacity(), readable - position));
                    int n = reader.read(buffer, position);
                    out.write(buffer.array(), 0, n);
                    position += n;
                }
            }
            assertArrayEquals(big, out.toByteArray());
            assertEquals(1, u.blobGets());
            assertEquals(-1, store.blobSize(bigDigest));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (downloads.relayBytes() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, downloads.relayBytes(), "the memory window was given back");
        }
    }

    @Test
    void aCorruptBlobStillFailsItsReadersWhenTheDiskIsFull() throws Exception {
        byte[] served = blob.clone();
        served[blob.length - 1] ^= 1;
        store.fillDiskAfter(1000);
        start(served);
        CountDownLatch joined = new CountDownLatch(1);
        Future<byte[]> reader = readers.submit(readWhole(joined));
        assertTrue(joined.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the reader joined the download");
        upstream.release();
        Exception failure = assertThrows(Exception.class, () -> reader.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertEquals(IOException.class, failure.getCause().getClass(), failure.toString());
        assertNothingStored();
    }

    @Test
    void aPublishThatFailsStillCompletesTheVerifiedResponses() throws Exception {
        store.refuseCommits(true);
        start(null);
        DownloadInFlight fetch = downloads.fetch(digest, "team/app", REPOSITORY);
        fetch.awaitSize(WAIT_MILLIS);
        try (DownloadInFlight.Follower joined = fetch.open(0)) { // a reader in before the end
            upstream.release();
            assertArrayEquals(blob, read(fetch, joined));
        }
        assertNothingStored();
        assertThrows(DownloadInFlight.Gone.class, () -> fetch.open(0), "a reader too late gets a new download");
    }

    /**
     * No blob, no link, and (once the download has closed it, right after its readers' end) no
     * upload left behind, and no memory held for it.
     */
    private void assertNothingStored() throws InterruptedException {
        assertEquals(-1, store.blobSize(digest));
        assertEquals(false, store.layerLinked(REPOSITORY, digest));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (store.scanUploads(Duration.ZERO, false).live()
                                + store.scanUploads(Duration.ZERO, false).stale()
                        > 0
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(
                0,
                store.scanUploads(Duration.ZERO, false).live()
                        + store.scanUploads(Duration.ZERO, false).stale(),
                "the upload was discarded");
        while (downloads.relayBytes() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, downloads.relayBytes(), "the memory windows were given back");
    }

    private Callable<byte[]> readWhole() {
        return readWhole(new CountDownLatch(1));
    }

    /** A client reading the whole blob; {@code joined} counts down once it follows the download. */
    private Callable<byte[]> readWhole(CountDownLatch joined) {
        return () -> {
            DownloadInFlight fetch = downloads.fetch(digest, "team/app", REPOSITORY);
            fetch.awaitSize(WAIT_MILLIS);
            try (DownloadInFlight.Follower reader = fetch.open(0)) {
                joined.countDown();
                return read(fetch, reader);
            }
        };
    }

    /** Reads the blob as a client's response would: up to what may be sent, until the end. */
    private static byte[] read(DownloadInFlight fetch) throws Exception {
        fetch.awaitSize(WAIT_MILLIS);
        try (DownloadInFlight.Follower reader = fetch.open(0)) {
            return read(fetch, reader);
        }
    }

    private static byte[] read(DownloadInFlight fetch, DownloadInFlight.Follower reader) throws Exception {
        long size = fetch.awaitSize(WAIT_MILLIS);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long position = 0;
        while (position < size) {
            long readable = fetch.awaitReadable(position, size, WAIT_MILLIS);
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), readable - position));
            int n = reader.read(buffer, position);
            out.write(buffer.array(), 0, n);
            position += n;
        }
        return out.toByteArray();
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(5).nextBytes(b);
        return b;
    }
}
