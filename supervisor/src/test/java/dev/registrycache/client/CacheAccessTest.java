package dev.registrycache.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.Credentials;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a client command reaches the cache: where it is, the password's two ways in (never an argument). */
class CacheAccessTest {
    private static final String VARIABLE = "SOME_PASSWORD";

    @TempDir
    Path dir;

    private Map<String, String> plainLocalGateway(String... more) {
        Map<String, String> env = new HashMap<>(Map.of(
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

    private static InputStream stdin(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static CacheAccess resolve(CacheOptions options, Map<String, String> env, String stdin) {
        return CacheAccess.resolve(options, VARIABLE, env, stdin(stdin));
    }

    private String refusal(CacheOptions options, Map<String, String> env, String stdin) {
        return assertThrows(ConfigException.class, () -> resolve(options, env, stdin))
                .getMessage();
    }

    @Test
    void theCacheIsTheGatewayOnThisHostUnlessNamed() {
        CacheAccess local = resolve(new CacheOptions(null, null, false), plainLocalGateway(), "");
        assertEquals(URI.create("http://127.0.0.1:9443"), local.base());
        assertEquals(Optional.empty(), local.credentials());
        CacheAccess named =
                resolve(new CacheOptions("https://cache.example.com:8443/", null, false), plainLocalGateway(), "");
        assertEquals(URI.create("https://cache.example.com:8443"), named.base());
    }

    @Test
    void thePasswordComesFromTheCommandsVariableOrStandardInput() {
        CacheAccess fromEnv =
                resolve(new CacheOptions(null, "puller", false), plainLocalGateway(VARIABLE, "s3cret"), "");
        assertEquals(Optional.of(new Credentials("puller", "s3cret")), fromEnv.credentials());
        CacheAccess fromStdin = resolve(new CacheOptions(null, "puller", true), plainLocalGateway(), "s3cret\nmore\n");
        assertEquals(Optional.of(new Credentials("puller", "s3cret")), fromStdin.credentials());
    }

    @Test
    void refusesAPasswordWithoutAUserAUserWithoutAPasswordAndTwoPasswords() {
        String noUser = refusal(new CacheOptions(null, null, false), plainLocalGateway(VARIABLE, "s3cret"), "");
        assertTrue(noUser.contains("give --username"), noUser);
        String noPassword = refusal(new CacheOptions(null, "puller", false), plainLocalGateway(), "");
        assertTrue(noPassword.contains(VARIABLE + " or on standard input with --password-stdin"), noPassword);
        String twice = refusal(new CacheOptions(null, "puller", true), plainLocalGateway(VARIABLE, "s3cret"), "x");
        assertTrue(twice.contains("once"), twice);
        String empty = refusal(new CacheOptions(null, "puller", true), plainLocalGateway(), "\n");
        assertTrue(empty.contains("standard input holds no password"), empty);
        for (String message : List.of(noUser, noPassword, twice, empty)) {
            assertFalse(message.contains("s3cret"), message);
        }
    }

    @Test
    void refusesACacheUrlWithCredentialsAPathOrAnotherScheme() {
        String withCredentials = assertThrows(
                        ConfigException.class,
                        () -> CacheAccess.cacheUrl("https://puller:s3cret@cache.example.com:8443", VARIABLE))
                .getMessage();
        assertTrue(withCredentials.contains("credentials do not go in an argument"), withCredentials);
        assertTrue(withCredentials.contains(VARIABLE), withCredentials);
        assertFalse(withCredentials.contains("s3cret"), withCredentials);
        for (String bad : List.of("cache.example.com:8443", "ftp://cache", "https://cache/v2/", "https://cache?x=1")) {
            String message = assertThrows(ConfigException.class, () -> CacheAccess.cacheUrl(bad, VARIABLE))
                    .getMessage();
            assertTrue(message.contains("expected http(s)://<host>[:<port>]"), bad + ": " + message);
        }
    }

    @Test
    void aGatewayOnThisHostOverTlsNeedsItsCertificateFileReadable() throws Exception {
        Path certs = Files.writeString(dir.resolve("certs.pem"), "no certificate in here\n");
        Map<String, String> env = Map.of("PORT", "9443", "BIND_ADDRESS", "127.0.0.1", "CERTS", certs.toString());
        assertEquals(
                "CERTS file " + certs + ": holds no PEM certificate",
                refusal(new CacheOptions(null, null, false), env, ""));
    }

    @Test
    void namesTheCommandsVariableWhenTheCacheRefusesOrAsksForCredentials() {
        assertEquals(
                "the cache asks for credentials: give --username, and the password in " + VARIABLE
                        + " or on standard input with --password-stdin",
                CacheAccess.credentialsRefused(null, VARIABLE));
        assertEquals("the cache refused the credentials of user bob", CacheAccess.credentialsRefused("bob", VARIABLE));
    }
}
