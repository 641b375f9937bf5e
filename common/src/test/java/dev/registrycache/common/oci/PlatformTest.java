package dev.registrycache.common.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.InvalidValueException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformTest {
    @Test
    void parsesOsArchitectureAndVariant() {
        assertEquals(new Platform("linux", "amd64", null), Platform.parse("linux/amd64"));
        assertEquals(new Platform("linux", "arm64", "v8"), Platform.parse("linux/arm64/v8"));
        assertEquals("linux/arm/v7", Platform.parse("linux/arm/v7").toString());
        assertNull(Platform.parse("linux/amd64").variant());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "linux", "linux/", "/amd64", "linux/amd64/v8/x", "Linux/AMD64", "linux/amd 64"})
    void refusesWhatIsNotOsSlashArchitecture(String text) {
        InvalidValueException e = assertThrows(InvalidValueException.class, () -> Platform.parse(text));
        assertTrue(e.getMessage().contains("os/architecture[/variant]"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "x86_64,amd64",
        "amd64,amd64",
        "aarch64,arm64",
        "arm64,arm64",
        "x86,386",
        "ppc64le,ppc64le",
        "s390x,s390x"
    })
    void namesTheHostsArchitectureAsGoDoes(String javaArch, String goArch) {
        assertEquals(goArch, Platform.goArchitecture(javaArch));
    }

    @Test
    void theHostIsLinuxOnItsArchitecture() {
        Platform host = Platform.host();
        assertEquals("linux", host.os());
        assertEquals(Platform.goArchitecture(System.getProperty("os.arch")), host.architecture());
    }

    @Test
    void admitsEntriesAsDockersMatcherDoes() {
        assertTrue(Platform.parse("linux/amd64").admits(new Platform("linux", "amd64", null)));
        assertFalse(Platform.parse("linux/amd64").admits(new Platform("linux", "arm64", null)));
        assertFalse(Platform.parse("linux/amd64").admits(new Platform("windows", "amd64", null)));
        assertTrue(Platform.parse("linux/arm64").admits(new Platform("linux", "arm64", "v8")), "no variant: any");
        assertTrue(Platform.parse("linux/arm64/v8").admits(new Platform("linux", "arm64", null)), "arm64 means v8");
        assertFalse(Platform.parse("linux/arm/v7").admits(new Platform("linux", "arm", "v6")));
        assertFalse(Platform.parse("linux/arm/v7").admits(new Platform("linux", "arm", null)));
    }
}
