package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.RegistryHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurationTest {
    @TempDir
    Path dir;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private Path secret(String json) throws Exception {
        Path f = dir.resolve("pull-secret.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void readsAuthUsernamePasswordAndAnonymousEntries() throws Exception {
        PullSecret s = PullSecret.read(secret("{\"auths\":{"
                + "\"quay.io\":{\"auth\":\"" + b64("robot:s3cr:et") + "\",\"email\":\"x@y\"},"
                + "\"https://index.docker.io/v1/\":{\"username\":\"hub\",\"password\":\"pw\"},"
                + "\"registry.local:5000\":{}}}"));
        assertEquals(
                Optional.of(new Credentials("robot", "s3cr:et")), s.entries().get(RegistryHost.fromKey("quay.io")));
        assertEquals(Optional.of(new Credentials("hub", "pw")), s.entries().get(RegistryHost.fromKey("docker.io")));
        assertEquals(Optional.empty(), s.entries().get(RegistryHost.fromKey("registry.local:5000")));
    }

    @Test
    void badPullSecretsNameTheFileAndEntryButNeverTheCredential() throws Exception {
        String[][] cases = {
            {"not json", "not valid JSON"},
            {"{\"other\":{}}", "expected an object"},
            {"{\"auths\":{\"quay.io\":{\"auth\":\"%%%notbase64\"}}}", "'quay.io': 'auth' is not base64"},
            {
                "{\"auths\":{\"quay.io\":{\"auth\":\"" + b64("nocolonsecret") + "\"}}}",
                "'quay.io': 'auth' is not base64 of user:password"
            },
            {"{\"auths\":{\"bad host\":{}}}", "'bad host'"},
        };
        for (String[] c : cases) {
            Path f = secret(c[0]);
            ConfigException e = assertThrows(ConfigException.class, () -> PullSecret.read(f));
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            assertFalse(e.getMessage().contains("nocolonsecret"), e.getMessage());
        }
        ConfigException missing =
                assertThrows(ConfigException.class, () -> PullSecret.read(dir.resolve("absent.json")));
        assertTrue(missing.getMessage().contains("absent.json")
                && missing.getMessage().contains("not found"));
    }

    @Test
    void credentialsNeverPrintTheirPassword() {
        assertFalse(new Credentials("u", "hunter2").toString().contains("hunter2"));
    }

    @Test
    void upstreamEndpointsOverrideTheDefaultEndpoint() {
        UpstreamEndpoints e =
                UpstreamEndpoints.parse("quay.io=http://127.0.0.1:5000  docker.io=https://mirror.example/v2base/");
        assertEquals(
                "http://127.0.0.1:5000",
                e.endpointFor(RegistryHost.fromKey("quay.io")).toString());
        assertEquals(
                "https://mirror.example/v2base",
                e.endpointFor(RegistryHost.fromKey("docker.io")).toString());
        assertEquals(
                "https://registry.redhat.io",
                e.endpointFor(RegistryHost.fromKey("registry.redhat.io")).toString());
    }

    @Test
    void badUpstreamEndpointsNameTheVariableAndEntry() {
        String[][] cases = {
            {"quay.io", "'quay.io': expected name=url"},
            {"quay.io=ftp://x", "http:// or https://"},
            {"quay.io=http://user:pw@host", "must not carry credentials"},
            {"quay.io=http://a quay.io=http://b", "given twice"},
            {"=http://a", "expected name=url"},
        };
        for (String[] c : cases) {
            ConfigException e = assertThrows(ConfigException.class, () -> UpstreamEndpoints.parse(c[0]));
            assertTrue(e.getMessage().startsWith("UPSTREAM_ENDPOINTS"), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            assertFalse(e.getMessage().contains("pw@"), e.getMessage());
        }
    }

    @Test
    void trustedRealmsAreHostsPerRegistry() {
        TrustedRealms t = TrustedRealms.parse(
                "nvcr.io=authn.nvidia.com  nvcr.io=Auth2.Nvidia.com quay.io=10.0.0.5 quay.io=[::1]");
        assertEquals(Set.of("authn.nvidia.com", "auth2.nvidia.com"), t.hostsFor(RegistryHost.fromKey("nvcr.io")));
        assertEquals(Set.of("10.0.0.5", "[::1]"), t.hostsFor(RegistryHost.fromKey("quay.io")));
        assertEquals(Set.of(), t.hostsFor(RegistryHost.fromKey("docker.io")));
        assertEquals(Set.of(), TrustedRealms.parse(null).hostsFor(RegistryHost.fromKey("docker.io")));
    }

    @Test
    void badTrustedRealmsNameTheVariableAndEntry() {
        String[][] cases = {
            {"nvcr.io", "'nvcr.io': expected name=host"},
            {"nvcr.io=https://authn.nvidia.com", "not a host name"},
            {"nvcr.io=authn.nvidia.com:443", "not a host name"},
            {"nvcr.io=authn.nvidia.com/token", "not a host name"},
            {"nvcr.io=*.nvidia.com", "not a host name"},
            {"nvcr.io=user:pw@authn.nvidia.com", "not a host name"},
            {"=authn.nvidia.com", "expected name=host"},
        };
        for (String[] c : cases) {
            ConfigException e = assertThrows(ConfigException.class, () -> TrustedRealms.parse(c[0]), c[0]);
            assertTrue(e.getMessage().startsWith("UPSTREAM_TRUSTED_REALMS: entry '"), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void settingsResolveFlagThenEnvironmentThenDefault() {
        assertEquals("/flag", Setting.DATA_DIR.resolve("/flag", Map.of("DATA_DIR", "/env")));
        assertEquals("/env", Setting.DATA_DIR.resolve(null, Map.of("DATA_DIR", "/env")));
        assertEquals("/var/lib/registry", Setting.DATA_DIR.resolve(null, Map.of()));
        assertEquals("/var/lib/registry", Setting.DATA_DIR.resolve(null, Map.of("DATA_DIR", "  ")));
        assertEquals("10G", Setting.CLEANER_MAXSIZE.resolve(null, Map.of()));
    }

    @Test
    void yesNoSettingsAreTrueOrFalseAndNothingElse() {
        Setting allow = Setting.UPSTREAM_ALLOW_PRIVATE_REDIRECTS;
        assertFalse(allow.resolveBoolean(null, Map.of()));
        assertTrue(allow.resolveBoolean(null, Map.of(allow.env(), "TRUE")));
        assertFalse(allow.resolveBoolean(null, Map.of(allow.env(), "false")));
        ConfigException e =
                assertThrows(ConfigException.class, () -> allow.resolveBoolean(null, Map.of(allow.env(), "yes")));
        assertTrue(
                e.getMessage().contains("UPSTREAM_ALLOW_PRIVATE_REDIRECTS")
                        && e.getMessage().contains("'yes'"),
                e.getMessage());
    }
}
