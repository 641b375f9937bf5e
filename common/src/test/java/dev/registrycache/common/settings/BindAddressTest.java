package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BindAddressTest {

    @Test
    void listensOnEveryInterfaceUnlessTold() {
        for (String all : new String[] {"0.0.0.0", "::", "*", " "}) {
            BindAddress address = BindAddress.resolve(null, Map.of("BIND_ADDRESS", all));
            assertTrue(address.isAll(), all);
            assertFalse(address.isLoopback(), all);
            assertEquals("0.0.0.0", address.listenHost());
            assertEquals(InetAddress.getLoopbackAddress(), address.probeAddress(), "checked over loopback");
        }
        assertTrue(BindAddress.resolve(null, Map.of()).isAll());
    }

    @Test
    void loopbackServesThisMachineAlone() {
        BindAddress v4 = BindAddress.resolve(null, Map.of("BIND_ADDRESS", "127.0.0.1"));
        assertTrue(v4.isLoopback());
        assertEquals("127.0.0.1", v4.listenHost());
        assertEquals("127.0.0.1", v4.probeAddress().getHostAddress());
        BindAddress v6 = BindAddress.resolve("::1", Map.of("BIND_ADDRESS", "0.0.0.0"));
        assertTrue(v6.isLoopback(), "the flag wins over the environment");
        assertEquals("[::1]", v6.urlHost());
    }

    @Test
    void refusesWhatIsNotAnAddressOfThisMachine() {
        ConfigException foreign = assertThrows(
                ConfigException.class, () -> BindAddress.resolve(null, Map.of("BIND_ADDRESS", "198.51.100.7")));
        assertEquals(
                "BIND_ADDRESS / --host '198.51.100.7': 198.51.100.7 is not an address of this machine; use one of "
                        + "its addresses, 127.0.0.1 for this machine alone, or 0.0.0.0 for every interface",
                foreign.getMessage());
        ConfigException unknown =
                assertThrows(ConfigException.class, () -> BindAddress.resolve("no-such-host.invalid", Map.of()));
        assertEquals(
                "BIND_ADDRESS / --host 'no-such-host.invalid': not an address, and no such host name",
                unknown.getMessage());
    }
}
