package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.RegistryHost;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DefaultRegistryTest {
    private static final RegistryHost QUAY = RegistryHost.fromKey("quay.io");
    private static final RegistryHost HUB = RegistryHost.fromKey("docker.io");
    private static final RegistryHost LOCAL = RegistryHost.fromKey("registry.local:5000");

    @Test
    void dockerHubWhenServedAndUnset() {
        assertEquals(Optional.of(HUB), DefaultRegistry.resolve(Map.of(), List.of(QUAY, HUB)));
        assertEquals(Optional.empty(), DefaultRegistry.resolve(Map.of(), List.of(QUAY, LOCAL)));
        assertEquals(Optional.of(HUB), DefaultRegistry.resolve(Map.of("DEFAULT_REGISTRY", " "), List.of(HUB)));
    }

    @Test
    void anotherServedRegistryOrNone() {
        assertEquals(
                Optional.of(LOCAL),
                DefaultRegistry.resolve(Map.of("DEFAULT_REGISTRY", "registry.local:5000"), List.of(HUB, LOCAL)));
        assertEquals(
                Optional.of(HUB), DefaultRegistry.resolve(Map.of("DEFAULT_REGISTRY", "index.docker.io"), List.of(HUB)));
        assertEquals(Optional.empty(), DefaultRegistry.resolve(Map.of("DEFAULT_REGISTRY", "none"), List.of(HUB)));
    }

    @Test
    void aRegistryNotServedOrNotAHostIsRefusedWithWhatToGive() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> DefaultRegistry.resolve(Map.of("DEFAULT_REGISTRY", "ghcr.io"), List.of(QUAY, HUB)));
        assertTrue(
                e.getMessage().startsWith("DEFAULT_REGISTRY: 'ghcr.io' is not a registry this cache serves"),
                e.getMessage());
        assertTrue(e.getMessage().contains("quay.io, docker.io"), e.getMessage());
        e = assertThrows(
                ConfigException.class,
                () -> DefaultRegistry.resolve(Map.of("DEFAULT_REGISTRY", "not a host"), List.of(HUB)));
        assertTrue(e.getMessage().startsWith("DEFAULT_REGISTRY: "), e.getMessage());
    }
}
