package dev.registrycache.common.store.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.testsupport.S3Server;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An S3 endpoint over TLS with a certificate of its own CA: trusted with S3_CA_FILE, refused without. */
class S3DriverTlsTest {
    private static S3Server s3;

    @TempDir
    Path scratch;

    @BeforeAll
    static void startS3() {
        s3 = S3Server.withTls();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    private S3Driver.Options options() {
        return S3Driver.Options.of(scratch).withIdleTimeout(Duration.ofSeconds(10));
    }

    @Test
    void theCaFileMakesTheEndpointTrusted() throws IOException {
        try (S3Driver driver = S3Driver.open(S3Settings.from(s3.environment("t-" + UUID.randomUUID())), options())) {
            byte[] bytes = "over TLS".getBytes(StandardCharsets.UTF_8);
            driver.put("a/data", bytes);
            assertArrayEquals(bytes, driver.get("a/data", 100));
        }
    }

    @Test
    void withoutItTheOpenFailsSayingWhatToCheck() {
        Map<String, String> env = new HashMap<>(s3.environment("t-" + UUID.randomUUID()));
        env.remove("S3_CA_FILE");
        IOException e = assertThrows(
                IOException.class, () -> S3Driver.open(S3Settings.from(env), S3DriverFailuresTest.quick(scratch)));
        assertTrue(e.getMessage().contains("no answer") && e.getMessage().contains("S3_CA_FILE"), e.getMessage());
    }
}
