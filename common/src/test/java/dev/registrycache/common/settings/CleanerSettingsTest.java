package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CleanerSettingsTest {
    @Test
    void unsetVariablesTakeTheDefaults() {
        CleanerSettings settings = CleanerSettings.from(Map.of());
        assertEquals(10L << 30, settings.maxSize().bytes());
        assertEquals(20, settings.thresholdPercentage());
        assertEquals(Duration.ofMinutes(30), settings.runEvery());
        assertEquals(Duration.ofMinutes(2), settings.leaseTerm());
    }

    @Test
    void offTurnsThePassesOffForACronJobAndTheLeaseTermIsADuration() {
        CleanerSettings settings =
                CleanerSettings.from(Map.of("CLEANER_RUNEVERY_TIME", "off", "CLEANER_LEASE_TERM", "45s"));
        assertEquals(null, settings.runEvery());
        assertEquals(Duration.ofSeconds(45), settings.leaseTerm());
    }

    @Test
    void aBadValueIsRefusedNamingItsVariable() {
        Map<Map<String, String>, String> cases = Map.of(
                Map.of("CLEANER_MAXSIZE", "0"), "CLEANER_MAXSIZE: '0' is 0",
                Map.of("CLEANER_MAXSIZE", "ten gigs"), "CLEANER_MAXSIZE: not a size",
                Map.of("CLEANER_THRESHOLD_PERCENTAGE", "-5"),
                        "CLEANER_THRESHOLD_PERCENTAGE: '-5' is not a whole percentage",
                Map.of("CLEANER_RUNEVERY_TIME", "0"), "CLEANER_RUNEVERY_TIME: '0': must be longer than 0",
                Map.of("CLEANER_RUNEVERY_TIME", "30 minutes"), "CLEANER_RUNEVERY_TIME: '30 minutes': not a duration",
                Map.of("CLEANER_LEASE_TERM", "1s"), "CLEANER_LEASE_TERM: '1s': must be at least 3s",
                Map.of("CLEANER_LEASE_TERM", "soon"), "CLEANER_LEASE_TERM: 'soon': not a duration");
        cases.forEach((env, message) -> {
            ConfigException e = assertThrows(ConfigException.class, () -> CleanerSettings.from(env));
            assertTrue(e.getMessage().startsWith(message), e.getMessage());
        });
    }
}
