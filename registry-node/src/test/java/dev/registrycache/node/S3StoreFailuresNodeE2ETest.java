package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.StoreKeys;
import dev.registrycache.common.store.location.StoreLocation;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.S3Bucket;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose bucket fails in the middle of a cold blob's upload, once the first part is in (a
 * relay in front of s3proxy). A store that answers 503 to every request: the client that asked
 * gets the blob verified from the node's local bytes, or a broken answer, never other bytes;
 * nothing is published at the blob's key; once the store is back, the next request fetches the
 * blob again and stores it. A store that answers one 503: the request is asked again and the
 * blob is stored as if nothing happened.
 */
@Tag("e2e")
class S3StoreFailuresNodeE2ETest {
    private static final int SIZE = 20 << 20; // the gate holds half: past the first part (8 MiB)
    private static final byte[] BLOB = blob();
    private static final Digest DIGEST = Digest.sha256Of(BLOB);
    private static final Pattern WRITTEN = Pattern.compile(".*/data~written/([0-9]+)");

    @RegisterExtension
    static final S3Bucket BUCKET = new S3Bucket();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .build();

    private static byte[] blob() {
        byte[] bytes = new byte[SIZE];
        new Random(2603).nextBytes(bytes);
        return bytes;
    }

    @Test
    void aStoreAnswering503MidUploadPublishesNothingAndTheBlobIsStoredOnceTheStoreIsBack() throws Exception {
        String blobKey = "failing/" + StoreKeys.blobData(DIGEST);
        try (TcpRelay relay = TcpRelay.to(s3().endpoint().getPort());
                GatedBlobUpstream upstream = new GatedBlobUpstream(DIGEST, BLOB, Set.of("team/app"));
                RegistryNode node = node("failing", relay, upstream)) {
            String outcome = midUpload("failing", node, upstream, () -> relay.mode(TcpRelay.Mode.UNAVAILABLE));
            // the store's failure costs the store, not the client: the client may get the whole blob,
            // verified, from the node's local bytes; never a whole answer of other bytes
            assertTrue(
                    outcome.equals("200 " + DIGEST) || !outcome.startsWith("200 "),
                    "a whole answer of other bytes: " + outcome);
            assertTrue(relay.unavailableAnswers() > 0, "the store answered 503");
            assertEquals(Optional.empty(), s3().client().get(blobKey).map(b -> b.length), "nothing published");

            relay.mode(TcpRelay.Mode.FORWARD);
            assertEquals("200 " + DIGEST, fetch(url(node)), "the store back, the blob is served");
            assertEquals(2, upstream.blobGets(), "and fetched again from the upstream");
            assertPublished(blobKey);
        }
    }

    @Test
    void aSingle503MidUploadIsAskedAgainAndTheBlobIsStored() throws Exception {
        try (TcpRelay relay = TcpRelay.to(s3().endpoint().getPort());
                GatedBlobUpstream upstream = new GatedBlobUpstream(DIGEST, BLOB, Set.of("team/app"));
                RegistryNode node = node("once", relay, upstream)) {
            String outcome = midUpload("once", node, upstream, () -> relay.unavailableFor(1));
            assertEquals("200 " + DIGEST, outcome);
            assertEquals(1, relay.unavailableAnswers(), "the store answered one 503");
            assertPublished("once/" + StoreKeys.blobData(DIGEST));
            assertEquals(1, upstream.blobGets(), "fetched once");
        }
    }

    /** A node on the bucket under {@code prefix}, through {@code relay}. */
    private RegistryNode node(String prefix, TcpRelay relay, GatedBlobUpstream upstream) throws Exception {
        Map<String, String> env = new HashMap<>(s3().environment(prefix));
        env.put("S3_ENDPOINT", relay.baseUrl());
        Path data = dir.resolve(prefix + "/data");
        NodeConfig config = LoopbackNodes.config(
                        "quay.io", upstream.baseUrl(), Optional.empty(), data, dir.resolve(prefix + "/logs"), 0)
                .withStore(StoreLocation.folder(data).inBucket(S3Settings.from(env)));
        return new RegistryNode(config).start();
    }

    /**
     * Asks for the cold blob; once the node is mid-download with the first part of its upload in
     * the bucket, runs {@code fault} and lets the upstream send the rest. Returns what the client got.
     */
    private String midUpload(String prefix, RegistryNode node, GatedBlobUpstream upstream, Runnable fault)
            throws Exception {
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> fetch(url(node)));
        Await.until(
                "the node is mid-download with the first part of the upload in the bucket",
                Duration.ofSeconds(120),
                () -> s3().client().keys(prefix + "/").stream().anyMatch(k -> written(k) >= 8 << 20));
        fault.run();
        upstream.release();
        return first.get(5, TimeUnit.MINUTES);
    }

    private static String url(RegistryNode node) {
        return "http://127.0.0.1:" + node.port() + "/v2/quay.io/team/app/blobs/" + DIGEST;
    }

    private static void assertPublished(String blobKey) throws Exception {
        Await.until(
                "the blob is published in the bucket",
                Duration.ofSeconds(120),
                () -> s3().client().get(blobKey).isPresent());
        assertEquals(
                DIGEST.toString(), "sha256:" + sha256(s3().client().get(blobKey).orElseThrow()));
    }

    /** The bytes an upload's progress record (see SideRecords) says were written, or -1 for another key. */
    private static long written(String key) {
        Matcher m = WRITTEN.matcher(key);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
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

    private static S3Server s3() {
        return BUCKET.server();
    }
}
