package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalGatewayTest {
    @TempDir
    Path dir;

    @Test
    void isOnLoopbackAndPlainHttpWithoutACertificateFile() {
        LocalGateway gateway =
                LocalGateway.resolve(null, null, dir.resolve("absent.pem").toString(), Map.of());
        assertEquals(URI.create("http://127.0.0.1:8443"), gateway.base());
        assertFalse(gateway.tls());
        assertEquals(URI.create("http://127.0.0.1:8443/healthz"), gateway.resolve("/healthz"));
    }

    @Test
    void followsPortBindAddressAndCertsAsTheGatewayDoes() throws Exception {
        Path certs = Files.writeString(dir.resolve("certs.pem"), "whatever the gateway reads");
        LocalGateway gateway = LocalGateway.resolve(
                null, null, null, Map.of("PORT", "9443", "BIND_ADDRESS", "::1", "CERTS", certs.toString()));
        assertEquals(URI.create("https://[0:0:0:0:0:0:0:1]:9443"), gateway.base());
        assertTrue(gateway.tls());
        assertEquals(certs, gateway.certs());
        assertEquals(
                URI.create("http://127.0.0.1:7000"),
                LocalGateway.resolve(
                                "7000", "127.0.0.1", dir.resolve("absent.pem").toString(), Map.of("PORT", "9443"))
                        .base(),
                "flags win");
    }

    @Test
    void refusesAPortThatIsNoPort() {
        ConfigException e = assertThrows(
                ConfigException.class, () -> LocalGateway.resolve(null, null, null, Map.of("PORT", "http")));
        assertTrue(e.getMessage().startsWith("PORT / --port: 'http'"), e.getMessage());
    }
}
