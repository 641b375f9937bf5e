package dev.registrycache.warm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Platform;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.Credentials;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings of a run: where the cache is, the password's two ways in (never an argument), the platform. */
class WarmSettingsTest {
    @TempDir
    Path dir;

    private Map<String, String> plainLocalGateway(String... more) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "PORT",
                "9443",
                "BIND_ADDRESS",
                "127.0.0.1",
                "CERTS",
                dir.resolve("absent.pem").toString()));
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    private static WarmSettings.Flags flags(String cache, String username, boolean passwordStdin) {
        return new WarmSettings.Flags(cache, null, null, username, passwordStdin, List.of("alpine"));
    }

    private static InputStream stdin(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theCacheIsTheGatewayOnThisHostUnlessNamed() {
        WarmSettings local = WarmSettings.resolve(flags(null, null, false), plainLocalGateway(), stdin(""));
        assertEquals(URI.create("http://127.0.0.1:9443"), local.cache().base());
        assertEquals(Optional.empty(), local.credentials());
        assertEquals(Platform.host(), local.platform());
        WarmSettings named = WarmSettings.resolve(
                flags("https://cache.example.com:8443/", null, false), plainLocalGateway(), stdin(""));
        assertEquals(URI.create("https://cache.example.com:8443"), named.cache().base());
    }

    @Test
    void thePasswordComesFromTheEnvironmentOrStandardInput() {
        WarmSettings fromEnv = WarmSettings.resolve(
                flags(null, "puller", false), plainLocalGateway("WARM_PASSWORD", "s3cret"), stdin(""));
        assertEquals(Optional.of(new Credentials("puller", "s3cret")), fromEnv.credentials());
        WarmSettings fromStdin =
                WarmSettings.resolve(flags(null, "puller", true), plainLocalGateway(), stdin("s3cret\nmore\n"));
        assertEquals(Optional.of(new Credentials("puller", "s3cret")), fromStdin.credentials());
    }

    @Test
    void refusesAPasswordWithoutAUserAUserWithoutAPasswordAndTwoPasswords() {
        String noUser = assertThrows(
                        ConfigException.class,
                        () -> WarmSettings.resolve(
                                flags(null, null, false), plainLocalGateway("WARM_PASSWORD", "s3cret"), stdin("")))
                .getMessage();
        assertTrue(noUser.contains("give --username"), noUser);
        String noPassword = assertThrows(
                        ConfigException.class,
                        () -> WarmSettings.resolve(flags(null, "puller", false), plainLocalGateway(), stdin("")))
                .getMessage();
        assertTrue(noPassword.contains("WARM_PASSWORD or on standard input with --password-stdin"), noPassword);
        String twice = assertThrows(
                        ConfigException.class,
                        () -> WarmSettings.resolve(
                                flags(null, "puller", true), plainLocalGateway("WARM_PASSWORD", "s3cret"), stdin("x")))
                .getMessage();
        assertTrue(twice.contains("once"), twice);
        String empty = assertThrows(
                        ConfigException.class,
                        () -> WarmSettings.resolve(flags(null, "puller", true), plainLocalGateway(), stdin("\n")))
                .getMessage();
        assertTrue(empty.contains("standard input holds no password"), empty);
        for (String message : List.of(noUser, noPassword, twice, empty)) {
            assertFalse(message.contains("s3cret"), message);
        }
    }

    @Test
    void refusesACacheUrlWithCredentialsAPathOrAnotherScheme() {
        String withCredentials = assertThrows(
                        ConfigException.class,
                        () -> WarmSettings.cacheUrl("https://puller:s3cret@cache.example.com:8443"))
                .getMessage();
        assertTrue(withCredentials.contains("credentials do not go in an argument"), withCredentials);
        assertFalse(withCredentials.contains("s3cret"), withCredentials);
        for (String bad : List.of("cache.example.com:8443", "ftp://cache", "https://cache/v2/", "https://cache?x=1")) {
            String message = assertThrows(ConfigException.class, () -> WarmSettings.cacheUrl(bad))
                    .getMessage();
            assertTrue(message.contains("expected http(s)://<host>[:<port>]"), bad + ": " + message);
        }
    }

    @Test
    void readsThePlatformOrRefusesIt() {
        WarmSettings.Flags arm = new WarmSettings.Flags(null, null, "linux/arm64/v8", null, false, List.of("alpine"));
        assertEquals(
                Platform.parse("linux/arm64/v8"),
                WarmSettings.resolve(arm, plainLocalGateway(), stdin("")).platform());
        WarmSettings.Flags bad = new WarmSettings.Flags(null, null, "arm64", null, false, List.of("alpine"));
        String message = assertThrows(
                        ConfigException.class, () -> WarmSettings.resolve(bad, plainLocalGateway(), stdin("")))
                .getMessage();
        assertEquals("--platform: not os/architecture[/variant]: 'arm64'", message);
    }

    @Test
    void aGatewayOnThisHostOverTlsNeedsItsCertificateFileReadable() throws Exception {
        Path certs = java.nio.file.Files.writeString(dir.resolve("certs.pem"), "no certificate in here\n");
        Map<String, String> env = Map.of("PORT", "9443", "BIND_ADDRESS", "127.0.0.1", "CERTS", certs.toString());
        String message = assertThrows(
                        ConfigException.class, () -> WarmSettings.resolve(flags(null, null, false), env, stdin("")))
                .getMessage();
        assertEquals("CERTS file " + certs + ": holds no PEM certificate", message);
    }
}
