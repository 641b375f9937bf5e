package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {
    @TempDir
    Path dir;

    @Test
    void configurationErrorsNameTheVariable() throws Exception {
        assertTrue(assertThrows(
                        ConfigException.class,
                        () -> GatewayConfig.resolve(
                                null, null, null, null, null, List.of(), Map.of("REGISTRY_AUTH", "ldap")))
                .getMessage()
                .startsWith("REGISTRY_AUTH"));
        assertTrue(assertThrows(
                        ConfigException.class,
                        () -> GatewayConfig.resolve(
                                null,
                                null,
                                null,
                                null,
                                null,
                                List.of(),
                                Map.of(
                                        "REGISTRY_AUTH",
                                        "htpasswd",
                                        "REGISTRY_AUTH_HTPASSWD_PATH",
                                        dir.resolve("none").toString())))
                .getMessage()
                .startsWith("REGISTRY_AUTH_HTPASSWD_PATH"));
        assertTrue(assertThrows(
                        ConfigException.class,
                        () -> GatewayConfig.resolve(null, "99999", null, null, null, List.of(), Map.of()))
                .getMessage()
                .contains("PORT"));
        assertTrue(assertThrows(
                        ConfigException.class,
                        () -> GatewayConfig.resolve(null, null, null, null, null, List.of("quay.io=ftp://x"), Map.of()))
                .getMessage()
                .contains("--node 'quay.io=ftp://x'"));
        GatewayConfig c = GatewayConfig.resolve(
                null,
                null,
                dir.resolve("absent.pem").toString(),
                null,
                null,
                List.of("quay.io=http://127.0.0.1:5001"),
                Map.of());
        assertEquals(8443, c.port());
        assertTrue(c.certs().isEmpty());
        assertEquals("http://127.0.0.1:5001", c.nodes().get("quay.io").toString());
    }
}
