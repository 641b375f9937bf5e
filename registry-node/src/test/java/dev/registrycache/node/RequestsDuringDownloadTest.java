package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.marks.Quarantine;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.testsupport.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests that meet a blob's download while its digest cannot be verified yet: the upstream has
 * sent half of the bytes and waits for the test's release. A range of what arrived must not
 * complete before the blob is verified, a request for another repository joins the download
 * only if the upstream confirms that repository holds the blob, and a blob quarantined meanwhile
 * is not stored.
 */
class RequestsDuringDownloadTest {
    private static final int SIZE = 1 << 20;
    private static final byte[] BLOB = randomBytes(SIZE, 31);
    private static final Digest DIGEST = Digest.sha256Of(BLOB);

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private GatedBlobUpstream upstream;
    private NodeFixture node;

    private void start(byte[] served, String... repositories) throws Exception {
        upstream = new GatedBlobUpstream(DIGEST, served, Set.of(repositories));
        node = new NodeFixture("quay.io", upstream.baseUrl(), null);
    }

    @AfterEach
    void stop() throws Exception {
        try (GatedBlobUpstream u = upstream;
                NodeFixture n = node) {
            // closed in reverse order
        }
    }

    @Test
    void aRangeOfACorruptBlobBeingDownloadedBreaksOffInsteadOfCompleting() throws Exception {
        byte[] corrupt = BLOB.clone();
        corrupt[10] ^= 0x55; // inside the range asked for
        start(corrupt, "team/app");
        HttpResponse<InputStream> range = http.send(
                get("team/app", "Range", "bytes=0-99"),
                HttpResponse.BodyHandlers.ofInputStream()); // returns once the headers arrived
        assertEquals(206, range.statusCode());
        upstream.release(); // the rest arrives, and the digest does not match
        try (InputStream body = range.body()) {
            assertThrows(
                    IOException.class,
                    body::readAllBytes,
                    "a range of unverified bytes was answered as a complete 206");
        }
        assertFalse(Files.exists(storedBlob()));
    }

    @Test
    void aRangeOfABlobBeingDownloadedCompletesWithTheRightBytesOnceVerified() throws Exception {
        start(BLOB, "team/app");
        HttpResponse<InputStream> range =
                http.send(get("team/app", "Range", "bytes=1000-1099"), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(206, range.statusCode());
        assertEquals(
                "bytes 1000-1099/" + SIZE,
                range.headers().firstValue("Content-Range").orElseThrow());
        upstream.release();
        try (InputStream body = range.body()) {
            assertArrayEquals(Arrays.copyOfRange(BLOB, 1000, 1100), body.readAllBytes());
        }
        assertTrue(Files.exists(storedBlob()), "the blob is stored by the time the range completed");
        assertEquals(1, upstream.blobGets());
    }

    @Test
    void aRequestForARepositoryTheUpstreamDoesNotConfirmDoesNotJoinTheDownload() throws Exception {
        start(BLOB, "team/app");
        HttpResponse<InputStream> owner = http.send(get("team/app"), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, owner.statusCode());
        // the download is in flight and waits at the gate; the other name is answered without it
        HttpResponse<String> other = http.send(get("team/other"), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, other.statusCode(), other.body());
        assertTrue(other.body().contains("BLOB_UNKNOWN"), other.body());
        upstream.release();
        try (InputStream body = owner.body()) {
            assertEquals(DIGEST, Digest.sha256Of(body.readAllBytes()));
        }
        assertEquals(1, upstream.blobGets());
        assertFalse(
                Files.exists(node.dataDir.resolve("docker/registry/v2/repositories/quay.io/team/other")),
                "nothing is written for a name the upstream does not confirm");
    }

    @Test
    void aRequestForARepositoryTheUpstreamConfirmsJoinsTheDownloadAndIsLinked() throws Exception {
        start(BLOB, "team/app", "team/copy");
        HttpResponse<InputStream> owner = http.send(get("team/app"), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, owner.statusCode());
        CompletableFuture<HttpResponse<byte[]>> copy =
                http.sendAsync(get("team/copy"), HttpResponse.BodyHandlers.ofByteArray());
        Await.until(
                "the node asks the upstream whether team/copy holds the blob",
                Duration.ofSeconds(60),
                () -> upstream.blobHeads() == 1 || copy.isDone());
        upstream.release();
        try (InputStream body = owner.body()) {
            assertEquals(DIGEST, Digest.sha256Of(body.readAllBytes()));
        }
        assertEquals(200, copy.get().statusCode());
        assertEquals(DIGEST, Digest.sha256Of(copy.get().body()));
        assertEquals(1, upstream.blobGets(), "one download for both repositories");
        assertTrue(Files.exists(node.dataDir.resolve(
                "docker/registry/v2/repositories/quay.io/team/copy/_layers/sha256/" + DIGEST.hex() + "/link")));
    }

    @Test
    void aDownloadRefusedForItsRepositoryDoesNotFailAnotherRepositoryThatJoinedIt() throws Exception {
        start(BLOB, "team/app");
        CompletableFuture<HttpResponse<String>> refused =
                http.sendAsync(get("team/none"), HttpResponse.BodyHandlers.ofString());
        Await.until(
                "the node asks for team/none's blob",
                Duration.ofSeconds(60),
                () -> upstream.refusedGets() == 1 || refused.isDone());
        CompletableFuture<HttpResponse<byte[]>> joined =
                http.sendAsync(get("team/app"), HttpResponse.BodyHandlers.ofByteArray());
        Await.until(
                "the node asks whether team/app holds the blob",
                Duration.ofSeconds(60),
                () -> upstream.blobHeads() == 1 || joined.isDone());
        upstream.release(); // team/none's download is refused: team/app starts its own
        assertEquals(404, refused.get().statusCode(), refused.get().body());
        assertEquals(200, joined.get().statusCode());
        assertEquals(DIGEST, Digest.sha256Of(joined.get().body()));
        assertEquals(1, upstream.blobGets());
        assertFalse(Files.exists(node.dataDir.resolve("docker/registry/v2/repositories/quay.io/team/none")));
    }

    @Test
    void aBlobQuarantinedWhileItDownloadsIsNotStoredAndItsTransferBreaksOff() throws Exception {
        start(BLOB, "team/app");
        HttpResponse<InputStream> first = http.send(get("team/app"), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, first.statusCode());
        new Quarantines(new FileDatastore(node.dataDir))
                .add(new Quarantine(DIGEST, "bad layer", "admin", java.time.Instant.now()));
        upstream.release();
        try (InputStream body = first.body()) {
            assertThrows(IOException.class, body::readAllBytes, "the last byte is held back, then refused");
        }
        assertFalse(Files.exists(storedBlob()), "not stored");
        HttpResponse<String> next = http.send(get("team/app"), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, next.statusCode(), next.body());
        assertTrue(next.body().contains("DENIED") && next.body().contains("bad layer"), next.body());
        assertEquals(1, upstream.blobGets());
    }

    private HttpRequest get(String repository, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://" + node.hostPort() + "/v2/quay.io/" + repository + "/blobs/" + DIGEST))
                .timeout(Duration.ofSeconds(60));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    private Path storedBlob() {
        return node.dataDir.resolve(
                "docker/registry/v2/blobs/sha256/" + DIGEST.hex().substring(0, 2) + "/" + DIGEST.hex() + "/data");
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
