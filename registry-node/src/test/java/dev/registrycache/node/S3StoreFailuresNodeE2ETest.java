package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.StoreKeys;
import dev.registrycache.common.store.StoreLocation;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.TcpRelay;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose bucket fails in the middle of a cold blob's upload: the store answers 503 to every
 * request once the first part is in (a relay in front of s3proxy). The client that asked gets the
 * blob verified from the node's local bytes, or a broken answer, never other bytes; nothing is
 * published at the blob's key; once the store is back, the next request fetches the blob again
 * and stores it.
 */
@Tag("e2e")
class S3StoreFailuresNodeE2ETest {
    private static final String PREFIX = "node";
    private static final int SIZE = 20 << 20; // the gate holds half: past the first part (8 MiB)

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .build();

    @Test
    void aStoreAnswering503MidUploadPublishesNothingAndTheBlobIsStoredOnceTheStoreIsBack() throws Exception {
        byte[] blob = new byte[SIZE];
        new Random(2603).nextBytes(blob);
        Digest digest = Digest.sha256Of(blob);
        String blobKey = PREFIX + "/" + StoreKeys.blobData(digest);
        try (S3Server s3 = S3Server.plain();
                TcpRelay relay = TcpRelay.to(s3.endpoint().getPort());
                GatedBlobUpstream upstream = new GatedBlobUpstream(digest, blob, Set.of("team/app"))) {
            Map<String, String> env = new HashMap<>(s3.environment(PREFIX));
            env.put("S3_ENDPOINT", relay.baseUrl());
            NodeConfig config = LoopbackNodes.config(
                            "quay.io",
                            upstream.baseUrl(),
                            Optional.empty(),
                            dir.resolve("data"),
                            dir.resolve("logs"),
                            0)
                    .withStore(StoreLocation.folder(dir.resolve("data")).inBucket(S3Settings.from(env)));
            try (RegistryNode node = new RegistryNode(config).start()) {
                String url = "http://127.0.0.1:" + node.port() + "/v2/quay.io/team/app/blobs/" + digest;
                CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> fetch(url));
                Await.until(
                        "the node is mid-download with the first part of the upload in the bucket",
                        Duration.ofSeconds(120),
                        () -> s3.client().keys(PREFIX + "/").stream().anyMatch(k -> written(k) >= 8 << 20));

                relay.mode(TcpRelay.Mode.UNAVAILABLE);
                upstream.release();
                String outcome = first.get(5, TimeUnit.MINUTES);
                // the store's failure costs the store, not the client: the client may get the whole blob,
                // verified, from the node's local bytes; never a whole answer of other bytes
                assertTrue(
                        outcome.equals("200 " + digest) || !outcome.startsWith("200 "),
                        "a whole answer of other bytes: " + outcome);
                assertEquals(Optional.empty(), s3.client().get(blobKey).map(b -> b.length), "nothing published");

                relay.mode(TcpRelay.Mode.FORWARD);
                assertEquals("200 " + digest, fetch(url), "the store back, the blob is served");
                assertEquals(2, upstream.blobGets(), "and fetched again from the upstream");
                Await.until(
                        "the blob is published in the bucket",
                        Duration.ofSeconds(120),
                        () -> s3.client().get(blobKey).isPresent());
                assertEquals(
                        digest.toString(),
                        "sha256:" + sha256(s3.client().get(blobKey).orElseThrow()));
            }
        }
    }

    /** The bytes an upload's progress record (see SideRecords) says were written, or -1 for another key. */
    private static long written(String key) {
        int at = key.lastIndexOf("~written/");
        return at < 0 ? -1 : Long.parseLong(key.substring(at + "~written/".length()));
    }

    /** {@code <status> <digest of the body>}, or {@code broken: <why>} if the answer broke off. */
    private String fetch(String url) {
        try {
            HttpResponse<InputStream> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofMinutes(3))
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = r.body()) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    md.update(buffer, 0, n);
                }
            }
            return r.statusCode() + " sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            return "broken: " + e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
