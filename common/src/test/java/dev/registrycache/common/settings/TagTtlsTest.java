package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.RegistryHost;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TagTtlsTest {
    private static final RegistryHost HUB = RegistryHost.fromKey("docker.io");
    private static final RegistryHost QUAY = RegistryHost.fromKey("quay.io");
    private static final RegistryHost OTHER = RegistryHost.fromKey("registry.local:5000");

    @Test
    void aDurationForEveryRegistryAndEntriesForSome() {
        TagTtls ttls = TagTtls.parse("30s docker.io=5m quay.io=0s");
        assertEquals(Duration.ofMinutes(5), ttls.of(HUB));
        assertEquals(Duration.ZERO, ttls.of(QUAY));
        assertEquals(Duration.ofSeconds(30), ttls.of(OTHER));
        assertEquals(Duration.ofMinutes(5), TagTtls.parse("index.docker.io=5m").of(HUB));
    }

    @Test
    void unsetIsTheDefaultOfOneMinuteForEveryRegistry() {
        assertEquals(Duration.ofMinutes(1), TagTtls.parse(null).of(QUAY));
        assertEquals(Duration.ofMinutes(1), TagTtls.parse(" ").of(HUB));
        assertEquals(Duration.ofMinutes(1), TagTtls.parse("quay.io=0s").of(HUB));
    }

    @Test
    void badEntriesAreRefusedNamingTheVariableAndTheEntry() {
        for (String bad :
                new String[] {"5x", "1m 2m", "docker.io=", "docker.io=soon", "docker.io=1m docker.io=2m", "=1m"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> TagTtls.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("TAG_TTL: entry '"), e.getMessage());
        }
    }
}
