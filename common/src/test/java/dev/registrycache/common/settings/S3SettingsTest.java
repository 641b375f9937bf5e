package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3SettingsTest {
    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("S3_BUCKET", "registry-cache");
        env.put("S3_ACCESS_KEY_ID", "AKIDEXAMPLE");
        env.put("S3_SECRET_ACCESS_KEY", "s3cr3t-value");
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] == null) {
                env.remove(pairs[i]);
            } else {
                env.put(pairs[i], pairs[i + 1]);
            }
        }
        return env;
    }

    /** The message of the ConfigException that {@code env} stops the start with; it never holds the secret. */
    private static String refused(Map<String, String> env) {
        String message =
                assertThrows(ConfigException.class, () -> S3Settings.from(env)).getMessage();
        assertFalse(message.contains("s3cr3t-value"), message);
        return message;
    }

    @Test
    void withoutABucketTheDatastoreIsTheFolderUnlessAnotherS3VariableSaysTheUserMeantS3() {
        assertEquals(Optional.empty(), S3Settings.fromEnvironment(Map.of()));
        assertEquals(
                Optional.empty(),
                S3Settings.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", "AKID", "AWS_SECRET_ACCESS_KEY", "x")),
                "the AWS variables are often set for other tools");
        assertEquals(
                "registry-cache",
                S3Settings.fromEnvironment(env()).orElseThrow().bucket());
        for (String variable : new String[] {"S3_ENDPOINT", "S3_PREFIX", "S3_CREDENTIALS_FILE", "S3_PATH_STYLE"}) {
            String message = assertThrows(
                            ConfigException.class,
                            () -> S3Settings.fromEnvironment(Map.of(variable, "http://minio.local:9000")))
                    .getMessage();
            assertTrue(message.startsWith(variable + " is set but S3_BUCKET is not"), message);
        }
        assertThrows(ConfigException.class, () -> S3Settings.fromEnvironment(env("S3_BUCKET", "No_Bucket")));
    }

    @Test
    void aBucketAloneMeansAwsInUsEast1WithVirtualHostAddressing() {
        S3Settings s = S3Settings.from(env());
        assertEquals(URI.create("https://s3.us-east-1.amazonaws.com"), s.endpoint());
        assertEquals("us-east-1", s.region());
        assertEquals("registry-cache", s.bucket());
        assertEquals("", s.prefix());
        assertFalse(s.pathStyle());
        assertEquals(Optional.empty(), s.caFile());
        assertEquals(new S3Credentials("AKIDEXAMPLE", "s3cr3t-value", Optional.empty()), s.credentials());
    }

    @Test
    void anS3CompatibleStoreIsGivenByEndpointRegionPrefixAndPathStyle() {
        S3Settings s = S3Settings.from(env(
                "S3_ENDPOINT", "http://minio.local:9000/",
                "S3_REGION", "eu-west-3",
                "S3_PREFIX", "/caches/registry/",
                "S3_PATH_STYLE", "TRUE"));
        assertEquals(URI.create("http://minio.local:9000"), s.endpoint());
        assertEquals("eu-west-3", s.region());
        assertEquals("caches/registry", s.prefix(), "no slash at either end");
        assertTrue(s.pathStyle());
        assertEquals(
                URI.create("https://s3.eu-west-3.amazonaws.com"),
                S3Settings.from(env("S3_REGION", "eu-west-3")).endpoint(),
                "AWS's endpoint of the region");
    }

    @Test
    void badValuesStopTheStartNamingTheVariable() {
        assertTrue(refused(env("S3_BUCKET", null)).startsWith("S3_BUCKET is unset"));
        for (String bucket : new String[] {"Registry", "ab", "a_b", "-abc", "abc-", "a..b", "x".repeat(64)}) {
            assertTrue(refused(env("S3_BUCKET", bucket)).startsWith("S3_BUCKET: '" + bucket + "'"), bucket);
        }
        for (String endpoint :
                new String[] {"minio:9000", "ftp://host", "https://host/path", "https://u:pw@host", "http://"}) {
            String message = refused(env("S3_ENDPOINT", endpoint));
            assertTrue(message.startsWith("S3_ENDPOINT: '"), endpoint);
            assertFalse(message.contains("pw@"), "no credentials in a message: " + message);
        }
        for (String prefix : new String[] {"a//b", "a/../b", "./a", "a b", "a~b"}) {
            assertTrue(refused(env("S3_PREFIX", prefix)).startsWith("S3_PREFIX: '" + prefix + "'"), prefix);
        }
        assertTrue(refused(env("S3_REGION", "us east")).startsWith("S3_REGION: "));
        assertTrue(refused(env("S3_PATH_STYLE", "yes")).startsWith("S3_PATH_STYLE: 'yes' is neither true nor false"));
        assertTrue(refused(env("S3_CA_FILE", "/nonexistent/ca.pem")).startsWith("S3_CA_FILE /nonexistent/ca.pem"));
    }

    @Test
    void credentialsComeFromS3KeysThenAFileThenTheAwsVariablesAndHalfAPairIsRefused(@TempDir Path dir)
            throws Exception {
        Path file = Files.writeString(
                dir.resolve("credentials"),
                "# written by the Secret\n[other]\naws_access_key_id = OTHER\n\n[default]\n"
                        + "aws_access_key_id = FROMFILE\naws_secret_access_key = s3cr3t-value\n"
                        + "aws_session_token = token-1\n");
        assertEquals(
                new S3Credentials("FROMFILE", "s3cr3t-value", Optional.of("token-1")),
                S3Settings.from(env(
                                "S3_ACCESS_KEY_ID",
                                null,
                                "S3_SECRET_ACCESS_KEY",
                                null,
                                "S3_CREDENTIALS_FILE",
                                file.toString(),
                                "AWS_ACCESS_KEY_ID",
                                "FROMENV",
                                "AWS_SECRET_ACCESS_KEY",
                                "x"))
                        .credentials(),
                "the file before the AWS variables");
        assertEquals(
                new S3Credentials("FROMENV", "s3cr3t-value", Optional.of("token-2")),
                S3Settings.from(env(
                                "S3_ACCESS_KEY_ID",
                                null,
                                "S3_SECRET_ACCESS_KEY",
                                null,
                                "AWS_ACCESS_KEY_ID",
                                "FROMENV",
                                "AWS_SECRET_ACCESS_KEY",
                                "s3cr3t-value",
                                "AWS_SESSION_TOKEN",
                                "token-2"))
                        .credentials());
        assertEquals(
                "S3_ACCESS_KEY_ID and S3_CREDENTIALS_FILE are both set: set one",
                refused(env("S3_CREDENTIALS_FILE", file.toString())));
        assertEquals(
                "S3_SECRET_ACCESS_KEY is unset while S3_ACCESS_KEY_ID is set: set both",
                refused(env("S3_SECRET_ACCESS_KEY", null)));
        assertTrue(refused(env("S3_ACCESS_KEY_ID", null, "S3_SECRET_ACCESS_KEY", null))
                .startsWith("the S3 datastore needs credentials"));
    }

    @Test
    void aCredentialsFileWithoutTheDefaultProfileOrItsKeysIsRefused(@TempDir Path dir) throws Exception {
        Path noDefault = Files.writeString(
                dir.resolve("a"), "[prod]\naws_access_key_id = A\naws_secret_access_key = s3cr3t-value\n");
        Path noSecret = Files.writeString(dir.resolve("b"), "[default]\naws_access_key_id = A\n");
        assertEquals(
                "S3_CREDENTIALS_FILE " + noDefault + ": no [default] profile",
                refused(env(
                        "S3_ACCESS_KEY_ID",
                        null,
                        "S3_SECRET_ACCESS_KEY",
                        null,
                        "S3_CREDENTIALS_FILE",
                        noDefault.toString())));
        assertEquals(
                "S3_CREDENTIALS_FILE " + noSecret + ": the [default] profile has no aws_secret_access_key",
                refused(env(
                        "S3_ACCESS_KEY_ID",
                        null,
                        "S3_SECRET_ACCESS_KEY",
                        null,
                        "S3_CREDENTIALS_FILE",
                        noSecret.toString())));
    }

    @Test
    void theSecretIsNeverShown() {
        S3Settings s = S3Settings.from(env("AWS_SESSION_TOKEN", "ignored-with-s3-keys"));
        assertFalse(s.toString().contains("s3cr3t-value"), s.toString());
        assertTrue(s.toString().contains("AKIDEXAMPLE"));
    }

    @Test
    void aCaFileThatHoldsNoCertificateStopsTheStart(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("ca.pem"), "");
        String message = assertThrows(ConfigException.class, () -> TrustedCas.withExtraCas(empty, "S3_CA_FILE"))
                .getMessage();
        assertEquals("S3_CA_FILE " + empty + ": holds no certificate", message);
    }
}
