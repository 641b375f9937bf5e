package dev.registrycache.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Proves {@link S3Server} against what the S3 driver's tests will need of it: objects stored byte
 * for byte under signed requests, over HTTP and TLS, listing by prefix, the conditional PUT that
 * leases rely on, refusal of wrong credentials, and nothing left behind once closed.
 */
class S3ServerTest {

    private static final String KEY = "docker/registry/v2/blobs/sha256/ab/abcd/data";

    @Test
    void storesWhatIsPutAndAnswersTheSameBytesOverPlainHttp() {
        try (S3Server s3 = S3Server.plain()) {
            assertEquals("http", s3.endpoint().getScheme());
            assertEquals(Optional.empty(), s3.caCertificate());
            assertRoundTrip(s3);
        }
    }

    @Test
    void storesWhatIsPutAndAnswersTheSameBytesOverTls() throws IOException {
        try (S3Server s3 = S3Server.withTls()) {
            assertEquals("https", s3.endpoint().getScheme());
            assertTrue(Files.readString(s3.caCertificate().orElseThrow()).startsWith("-----BEGIN CERTIFICATE-----"));
            assertRoundTrip(s3);
        }
    }

    @Test
    void aConditionalPutDoesNotReplaceAnExistingObject() {
        try (S3Server s3 = S3Server.plain()) {
            String path = "/" + S3Server.BUCKET + "/leases/cleaner";
            byte[] first = bytes("replica-1");
            assertEquals(
                    200,
                    s3.client()
                            .send("PUT", path, Map.of("If-None-Match", "*"), first)
                            .statusCode());
            HttpResponse<byte[]> second =
                    s3.client().send("PUT", path, Map.of("If-None-Match", "*"), bytes("replica-2"));
            assertEquals(412, second.statusCode(), new String(second.body(), StandardCharsets.UTF_8));
            assertArrayEquals(first, s3.client().get("leases/cleaner").orElseThrow());
        }
    }

    @Test
    void refusesRequestsSignedWithAnotherSecret() {
        try (S3Server s3 = S3Server.plain()) {
            s3.client().put(KEY, bytes("stored"));
            S3TestClient intruder = new S3TestClient(
                    s3.endpoint(),
                    S3Server.BUCKET,
                    new S3Signer(TestCredentials.of(S3Server.CREDENTIALS.username(), "wrong"), S3Server.REGION),
                    Optional.empty());
            HttpResponse<byte[]> refused = intruder.send("GET", "/" + S3Server.BUCKET + "/" + KEY, Map.of(), null);
            assertEquals(403, refused.statusCode());
        }
    }

    @Test
    void closingStopsTheServerAndDeletesItsFolder() {
        S3Server s3 = S3Server.plain();
        Path storage = s3.storage();
        s3.client().put(KEY, bytes("stored"));
        assertTrue(Files.isDirectory(storage.resolve(S3Server.BUCKET)));
        s3.close();
        assertFalse(Files.exists(storage.getParent()));
        assertThrows(UncheckedIOException.class, () -> s3.client().get(KEY), "a closed server answered");
    }

    private static void assertRoundTrip(S3Server s3) {
        byte[] blob = new byte[3 << 20];
        new Random(26).nextBytes(blob);
        S3TestClient client = s3.client();
        client.put(KEY, blob);
        client.put("docker/registry/v2/repositories/library/alpine/_layers/x/link", bytes("sha256:ab"));
        client.put("elsewhere/object", bytes("other"));

        assertArrayEquals(blob, client.get(KEY).orElseThrow());
        assertEquals(
                List.of(KEY, "docker/registry/v2/repositories/library/alpine/_layers/x/link"), client.keys("docker/"));
        assertEquals(Optional.empty(), client.get("docker/missing"));
        client.delete(KEY);
        assertEquals(Optional.empty(), client.get(KEY));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
