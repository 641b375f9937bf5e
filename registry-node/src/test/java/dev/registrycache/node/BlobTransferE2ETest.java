package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.TestStore;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Blob transfers through the node: single-flight downloads, verification, HEAD, ranges, misses. */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BlobTransferE2ETest {
    private static final String REPO = "team/blobs";
    private UpstreamRegistry upstream;
    private NodeFixture node;
    private Path work;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private Datastore stored;

    /** Where the node keeps its datastore: its S3 variant overrides this. */
    TestStore store() {
        return TestStore.FILES;
    }

    @BeforeAll
    void start() throws Exception {
        work = Files.createTempDirectory("blob-transfer-");
        upstream = UpstreamRegistry.plain();
        Path data = work.resolve("data");
        node = new NodeFixture("quay.io", upstream.baseUrl(), null, data, store());
        stored = store().open(data);
    }

    @AfterAll
    void stop() throws Exception {
        try (UpstreamRegistry u = upstream;
                NodeFixture n = node;
                Datastore s = stored) {
            NodeFixture.deleteTree(work);
        }
    }

    private String pushRandomBlob(long size, long seed) throws IOException {
        Path file = work.resolve("blob-" + seed);
        Random random = new Random(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
        String digest = upstream.pushBlob(REPO, file);
        Files.delete(file);
        return digest;
    }

    private String blobUrl(String digest) {
        return "http://" + node.hostPort() + "/v2/quay.io/" + REPO + "/blobs/" + digest;
    }

    private boolean isStored(String digest) {
        return stored.blobSize(Digest.parse(digest)) > 0;
    }

    /** GETs the URL and returns the sha256 digest of what arrived, throwing if the transfer broke. */
    private String download(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        if (r.statusCode() != 200 && r.statusCode() != 206) {
            throw new IOException("status " + r.statusCode());
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    @Test
    void tenConcurrentColdPullsOfOneLargeBlobCauseOneUpstreamGet() throws Exception {
        String digest = pushRandomBlob(64L << 20, 1);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return download(blobUrl(digest));
                }));
            }
            go.countDown();
            for (Future<String> f : results) {
                assertEquals(digest, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, upstream.requestCount("GET", "/blobs/" + digest));
        assertTrue(isStored(digest));
        assertEquals(digest, download(blobUrl(digest)));
        assertEquals(1, upstream.requestCount("GET", "/blobs/" + digest));
    }

    @Test
    void tenConcurrentColdRangeAndWholeRequestsCauseOneUpstreamGetAndGetTheirBytes() throws Exception {
        long size = 24L << 20;
        String digest = pushRandomBlob(size, 6);
        List<String> ranges = List.of(
                "bytes=0-99",
                "bytes=1000-1999",
                "bytes=-1000",
                "bytes=" + (size / 2) + "-" + (size / 2 + 99),
                "bytes=" + (size - 100) + "-",
                "bytes=0-0");
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<HttpResponse<byte[]>>> answers = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < 10; i++) {
                String range = i < ranges.size() ? ranges.get(i) : null;
                answers.add(pool.submit(() -> {
                    go.await();
                    HttpRequest.Builder b =
                            HttpRequest.newBuilder(URI.create(blobUrl(digest))).timeout(Duration.ofSeconds(120));
                    if (range != null) {
                        b.header("Range", range);
                    }
                    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                }));
            }
            go.countDown();
            for (Future<HttpResponse<byte[]>> f : answers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, upstream.requestCount("GET", "/blobs/" + digest));
        byte[] whole = stored.readBlob(Digest.parse(digest), Integer.MAX_VALUE);
        assertEquals(digest, Sha256.of(whole));
        for (int i = 0; i < 10; i++) {
            HttpResponse<byte[]> r = answers.get(i).get();
            if (i >= ranges.size()) {
                assertEquals(200, r.statusCode());
                assertEquals(digest, Sha256.of(r.body()));
                continue;
            }
            assertEquals(206, r.statusCode(), ranges.get(i));
            String[] span = r.headers()
                    .firstValue("Content-Range")
                    .orElseThrow()
                    .replace("bytes ", "")
                    .split("[-/]");
            int first = Integer.parseInt(span[0]);
            int last = Integer.parseInt(span[1]);
            assertEquals(String.valueOf(size), span[2]);
            assertArrayEquals(java.util.Arrays.copyOfRange(whole, first, last + 1), r.body(), ranges.get(i));
        }
    }

    @Test
    void aCorruptedUpstreamBlobIsRefusedAndNotStored() throws Exception {
        String digest = pushRandomBlob(3L << 20, 2);
        String hex = Sha256.hex(digest);
        Path upstreamData = upstream.storageRoot()
                .resolve("docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
        try (FileChannel ch = FileChannel.open(upstreamData, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 1_000_000);
        }
        assertThrows(IOException.class, () -> download(blobUrl(digest)));
        assertFalse(isStored(digest));
        Datastore.UploadsSummary uploads = stored.scanUploads(Duration.ofDays(1), false);
        assertEquals(0, uploads.live() + uploads.stale(), "upload left behind: " + uploads);
    }

    @Test
    void headOfAMissingBlobAsksUpstreamAndDownloadsNothing() throws Exception {
        String digest = pushRandomBlob(1L << 20, 3);
        int headsBefore = upstream.requestCount("HEAD", "/blobs/" + digest);
        HttpResponse<Void> r = http.send(
                HttpRequest.newBuilder(URI.create(blobUrl(digest)))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(200, r.statusCode());
        assertEquals(
                String.valueOf(1L << 20),
                r.headers().firstValue("Content-Length").orElseThrow());
        assertEquals(digest, r.headers().firstValue("Docker-Content-Digest").orElseThrow());
        assertEquals(0, upstream.requestCount("GET", "/blobs/" + digest));
        assertEquals(headsBefore + 1, upstream.requestCount("HEAD", "/blobs/" + digest));
        assertFalse(isStored(digest));

        String absent = "sha256:" + "0".repeat(64);
        HttpResponse<String> missing = http.send(
                HttpRequest.newBuilder(URI.create(blobUrl(absent))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("BLOB_UNKNOWN"), missing.body());
    }

    @Test
    void rangesOfStoredAndDownloadingBlobs() throws Exception {
        String digest = pushRandomBlob(2L << 20, 4);
        HttpResponse<byte[]> partialCold = http.send(
                HttpRequest.newBuilder(URI.create(blobUrl(digest)))
                        .header("Range", "bytes=100-199")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, partialCold.statusCode());
        assertEquals(100, partialCold.body().length);
        byte[] whole = http.send(
                        HttpRequest.newBuilder(URI.create(blobUrl(digest))).build(),
                        HttpResponse.BodyHandlers.ofByteArray())
                .body();
        assertEquals(digest, Sha256.of(whole));
        HttpResponse<byte[]> partial = http.send(
                HttpRequest.newBuilder(URI.create(blobUrl(digest)))
                        .header("Range", "bytes=-1000")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, partial.statusCode());
        assertEquals(
                "bytes " + (whole.length - 1000) + "-" + (whole.length - 1) + "/" + whole.length,
                partial.headers().firstValue("Content-Range").orElseThrow());
        assertEquals(
                java.util.Arrays.toString(java.util.Arrays.copyOfRange(whole, whole.length - 1000, whole.length)),
                java.util.Arrays.toString(partial.body()));
        assertEquals(
                java.util.Arrays.toString(java.util.Arrays.copyOfRange(whole, 100, 200)),
                java.util.Arrays.toString(partialCold.body()));
        HttpResponse<String> beyond = http.send(
                HttpRequest.newBuilder(URI.create(blobUrl(digest)))
                        .header("Range", "bytes=" + (5L << 20) + "-")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(416, beyond.statusCode());
        HttpResponse<Void> notModified = http.send(
                HttpRequest.newBuilder(URI.create(blobUrl(digest)))
                        .header("If-None-Match", "\"" + digest + "\"")
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(304, notModified.statusCode());
    }

    @Test
    void aLinkWhoseBlobIsGoneIsACacheMiss() throws Exception {
        String digest = pushRandomBlob(1L << 20, 5);
        assertEquals(digest, download(blobUrl(digest)));
        assertTrue(stored.deleteBlob(Digest.parse(digest)));
        assertEquals(digest, download(blobUrl(digest)));
        assertEquals(2, upstream.requestCount("GET", "/blobs/" + digest));
        assertTrue(isStored(digest));
    }
}
