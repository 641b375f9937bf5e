package dev.registrycache.gateway;

import dev.registrycache.common.ConfigException;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.RegistryException;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewayUnitTest {
    @TempDir
    Path dir;

    private final Routes routes = new Routes(Map.of("quay.io", URI.create("http://127.0.0.1:5001"),
            "docker.io", URI.create("http://127.0.0.1:5002"), "registry.local_5000", URI.create("http://127.0.0.1:5003")));

    @Test
    void routesByTheFirstComponent() {
        Routes.Target t = routes.resolve("/v2/quay.io/podman/hello/manifests/latest", null);
        assertEquals("http://127.0.0.1:5001", t.node().toString());
        assertEquals("/v2/quay.io/podman/hello/manifests/latest", t.pathAndQuery());
        assertEquals("/v2/registry.local_5000/a/tags/list?n=10",
                routes.resolve("/v2/registry.local_5000/a/tags/list", "n=10").pathAndQuery());
    }

    @Test
    void routesTheMirrorFormAsIfThePathHadThePrefix() {
        Routes.Target t = routes.resolve("/v2/library/alpine/manifests/3", "ns=docker.io");
        assertEquals("http://127.0.0.1:5002", t.node().toString());
        assertEquals("/v2/docker.io/library/alpine/manifests/3", t.pathAndQuery());
        assertEquals("/v2/registry.local_5000/team/app/blobs/x?a=b",
                routes.resolve("/v2/team/app/blobs/x", "a=b&ns=registry.local%3A5000").pathAndQuery());
        assertEquals("/v2/docker.io/library/alpine/manifests/3",
                routes.resolve("/v2/library/alpine/manifests/3", "ns=index.docker.io").pathAndQuery());
    }

    @Test
    void unknownRegistriesAreNameUnknown() {
        assertEquals(ErrorCode.NAME_UNKNOWN, assertThrows(RegistryException.class,
                () -> routes.resolve("/v2/ghcr.io/a/manifests/x", null)).code());
        assertEquals(ErrorCode.NAME_UNKNOWN, assertThrows(RegistryException.class,
                () -> routes.resolve("/v2/a/manifests/x", "ns=ghcr.io")).code());
        assertEquals(ErrorCode.NAME_UNKNOWN, assertThrows(RegistryException.class,
                () -> routes.resolve("/v2/a/manifests/x", "ns=not%20a%20host")).code());
    }

    @Test
    void readsEveryKindOfPemKey() throws Exception {
        TestPki pki = new TestPki();
        for (TestPki.KeyFormat format : TestPki.KeyFormat.values()) {
            KeyStore ks = PemKeyStore.load(pki.writeCertsPem(dir, format));
            assertEquals(2, ks.getCertificateChain(PemKeyStore.ALIAS).length, format.name());
            assertTrue(ks.isKeyEntry(PemKeyStore.ALIAS));
        }
    }

    @Test
    void brokenPemFilesNameTheFileAndTheProblem() throws Exception {
        TestPki pki = new TestPki();
        String good = Files.readString(pki.writeCertsPem(dir, TestPki.KeyFormat.PKCS8_RSA));
        String certsOnly = good.substring(0, good.indexOf("-----BEGIN PRIVATE KEY"));
        String keyOnly = good.substring(good.indexOf("-----BEGIN PRIVATE KEY"));
        Object[][] cases = {
            {"garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", "certificate file"},
            {"nokey.pem", certsOnly, "holds no private key"},
            {"nocert.pem", keyOnly, "holds no certificate"},
            {"empty.pem", "", "holds no certificate"},
        };
        for (Object[] c : cases) {
            Path f = Files.writeString(dir.resolve((String) c[0]), (String) c[1]);
            ConfigException e = assertThrows(ConfigException.class, () -> PemKeyStore.load(f));
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
            assertTrue(e.getMessage().contains((String) c[2]), e.getMessage());
        }
        String mismatched = certsOnly + Files.readString(pki.writeCertsPem(dir, TestPki.KeyFormat.EC))
                .substring(Files.readString(pki.writeCertsPem(dir, TestPki.KeyFormat.EC)).indexOf("-----BEGIN EC PRIVATE KEY"));
        Path f = Files.writeString(dir.resolve("mismatch.pem"), mismatched);
        assertTrue(assertThrows(ConfigException.class, () -> PemKeyStore.load(f)).getMessage().contains("does not belong"));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String bcrypt(String version, String password) {
        return OpenBSDBCrypt.generate(version, password.toCharArray(), new byte[16], 4);
    }

    @Test
    void checksBcryptHtpasswdEntriesOfEveryVariant() throws Exception {
        Path file = Files.writeString(dir.resolve("htpasswd"), "alice:" + bcrypt("2y", "a-pass") + "\n"
                + "bob:" + bcrypt("2b", "b-pass") + "\n" + "carol:" + bcrypt("2a", "c-pass") + "\n"
                + "# comment\n" + "md5user:$apr1$abc$def\n");
        BasicAuthenticator auth = new BasicAuthenticator(file, Clock.systemUTC());
        assertTrue(auth.authenticate(basic("alice", "a-pass")));
        assertTrue(auth.authenticate(basic("bob", "b-pass")));
        assertTrue(auth.authenticate(basic("carol", "c-pass")));
        assertFalse(auth.authenticate(basic("alice", "wrong")));
        assertFalse(auth.authenticate(basic("nobody", "a-pass")));
        assertFalse(auth.authenticate(basic("md5user", "x")));
        assertFalse(auth.authenticate(null));
        assertFalse(auth.authenticate("Bearer abc"));
        assertFalse(auth.authenticate("Basic %%%"));
    }

    @Test
    void rereadsTheFileWhenItChanges() throws Exception {
        Path file = Files.writeString(dir.resolve("htpasswd"), "alice:" + bcrypt("2y", "old") + "\n");
        Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        BasicAuthenticator auth = new BasicAuthenticator(file, clock);
        assertTrue(auth.authenticate(basic("alice", "old")));
        Files.writeString(file, "alice:" + bcrypt("2y", "new") + "\n# changed\n");
        now[0] = now[0].plusSeconds(2);
        assertTrue(auth.authenticate(basic("alice", "new")));
        assertFalse(auth.authenticate(basic("alice", "old")), "a cached old password must not survive a change of the file");
    }

    @Test
    void configurationErrorsNameTheVariable() throws Exception {
        assertTrue(assertThrows(ConfigException.class, () -> GatewayConfig.resolve(null, null, null, List.of(),
                Map.of("REGISTRY_AUTH", "ldap"))).getMessage().startsWith("REGISTRY_AUTH"));
        assertTrue(assertThrows(ConfigException.class, () -> GatewayConfig.resolve(null, null, null, List.of(),
                Map.of("REGISTRY_AUTH", "htpasswd", "REGISTRY_AUTH_HTPASSWD_PATH", dir.resolve("none").toString())))
                .getMessage().startsWith("REGISTRY_AUTH_HTPASSWD_PATH"));
        assertTrue(assertThrows(ConfigException.class, () -> GatewayConfig.resolve(null, "99999", null, List.of(), Map.of()))
                .getMessage().contains("PORT"));
        assertTrue(assertThrows(ConfigException.class, () -> GatewayConfig.resolve(null, null, null,
                List.of("quay.io=ftp://x"), Map.of())).getMessage().contains("--node 'quay.io=ftp://x'"));
        GatewayConfig c = GatewayConfig.resolve(null, null, dir.resolve("absent.pem").toString(),
                List.of("quay.io=http://127.0.0.1:5001"), Map.of());
        assertEquals(8443, c.port());
        assertTrue(c.certs().isEmpty());
        assertEquals("http://127.0.0.1:5001", c.nodes().get("quay.io").toString());
    }
}
