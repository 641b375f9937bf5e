package dev.registrycache.common.store.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.registrycache.common.Metrics;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.StorageDriver;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.S3Bucket;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.TcpRelay;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that cannot serve: a clear error when the driver opens, or from the request that meets
 * it, and nothing partial at a key. A bucket that does not exist, wrong credentials, a store
 * answering 503, a store that stalls in the middle of an upload (a relay that stops answering).
 */
class S3DriverFailuresTest {
    private static final String SECRET = S3Server.CREDENTIALS.password();

    @RegisterExtension
    static final S3Bucket BUCKET = new S3Bucket();

    @TempDir
    Path scratch;

    private S3Driver.Options quick() {
        return quick(scratch);
    }

    /** Quick tries: a short idle timeout, two attempts, a short pause; parts of 5 MiB. */
    static S3Driver.Options quick(Path scratch) {
        Parts parts = new Parts(5 * Parts.MIB, Parts.MAX_PART, 512 * Parts.MIB);
        return new S3Driver.Options(
                scratch,
                Duration.ofSeconds(2),
                2,
                Duration.ofMillis(10),
                parts.first(),
                parts.maxSingleCopy(),
                parts.copyPart());
    }

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new java.util.HashMap<>(s3().environment("t-" + UUID.randomUUID()));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private String refusedAtOpen(Map<String, String> env) {
        IOException e = assertThrows(IOException.class, () -> S3Driver.open(S3Settings.from(env), quick()));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aBucketThatDoesNotExistStopsTheOpenNamingIt() {
        String message = refusedAtOpen(env("S3_BUCKET", "no-such-bucket"));
        assertTrue(message.startsWith("S3 LIST no-such-bucket/"), message);
        assertTrue(message.contains("404 NoSuchBucket") && message.contains("check S3_BUCKET"), message);
    }

    @Test
    void wrongCredentialsStopTheOpenSayingSo() {
        String message = refusedAtOpen(env("S3_SECRET_ACCESS_KEY", "not-the-secret"));
        assertTrue(message.contains("403"), message);
        assertTrue(message.contains("credentials"), message);
        String unknown = refusedAtOpen(env("S3_ACCESS_KEY_ID", "nobody"));
        assertTrue(unknown.contains("403") && unknown.contains("credentials"), unknown);
    }

    @Test
    void aStoreAnswering503IsAskedAgainThenRefusedSayingItFails() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        HttpServer failing = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        failing.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] body =
                    "<Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>"
                            .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        failing.start();
        try {
            Metrics metrics = new Metrics();
            String message = assertThrows(
                            IOException.class,
                            () -> S3Driver.open(
                                    S3Settings.from(env(
                                            "S3_ENDPOINT",
                                            "http://127.0.0.1:"
                                                    + failing.getAddress().getPort())),
                                    quick(),
                                    metrics))
                    .getMessage();
            assertTrue(message.startsWith("S3 LIST " + S3Server.BUCKET + "/"), message);
            assertTrue(message.contains("503 ServiceUnavailable (Please reduce your request rate.)"), message);
            assertTrue(message.endsWith("the store is failing or overloaded"), message);
            assertEquals(2, requests.get(), "asked again once (two attempts)");
            String counted = metrics.render();
            assertTrue(
                    counted.contains("registry_cache_s3_requests_total{operation=\"LIST\",result=\"retried\"} 1\n")
                            && counted.contains(
                                    "registry_cache_s3_requests_total{operation=\"LIST\",result=\"failed\"} 1\n")
                            && !counted.contains("result=\"ok\""),
                    counted);
        } finally {
            failing.stop(0);
        }
    }

    @Test
    void aStoreThatStallsMidUploadFailsThePublishAndNothingIsAtTheKey() throws Exception {
        int port = s3().endpoint().getPort();
        Map<String, String> env = env();
        try (TcpRelay relay = TcpRelay.to(port);
                S3Driver direct = S3Driver.open(S3Settings.from(env), quick())) {
            env.put("S3_ENDPOINT", relay.baseUrl());
            try (S3Driver driver = S3Driver.open(S3Settings.from(env), quick())) {
                byte[] b = S3DriverTest.bytes(9, (int) (12 * Parts.MIB));
                StorageDriver.Upload upload = driver.upload("up/1");
                S3DriverTest.write(upload, b, 0, (int) (6 * Parts.MIB));
                Await.until(
                        "the first part is sent",
                        () -> S3DriverTest.uncheck(() -> direct.listObjects("up", "data").stream()
                                .anyMatch(c -> c.info().size() >= 5 * Parts.MIB)));
                relay.mode(TcpRelay.Mode.HANG);
                S3DriverTest.write(upload, b, (int) (6 * Parts.MIB), b.length);
                IOException e = assertThrows(IOException.class, () -> upload.publish("blobs/z/data"));
                assertTrue(e.getMessage().contains("failed"), e.getMessage());
                assertNull(direct.stat("blobs/z/data"), "nothing published");
                relay.mode(TcpRelay.Mode.FORWARD);
                upload.close();
                assertEquals(java.util.List.of(), direct.listObjects("up", "data"), "the upload is discarded");
            }
        }
    }

    private static S3Server s3() {
        return BUCKET.server();
    }
}
