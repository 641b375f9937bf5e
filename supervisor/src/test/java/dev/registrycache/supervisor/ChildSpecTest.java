package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChildSpecTest {
    private static final List<String> TRIM = List.of("-XX:TrimNativeHeapInterval=3000");

    @Test
    void trimsTheNativeHeapOnlyOnJvmsThatKnowTheOption() {
        assertEquals(List.of(), ChildSpec.nativeHeapTrim(Runtime.Version.parse("17.0.8")));
        assertEquals(TRIM, ChildSpec.nativeHeapTrim(Runtime.Version.parse("17.0.9")));
        assertEquals(TRIM, ChildSpec.nativeHeapTrim(Runtime.Version.parse("17.0.15+6")));
        assertEquals(List.of(), ChildSpec.nativeHeapTrim(Runtime.Version.parse("20.0.2")));
        assertEquals(List.of(), ChildSpec.nativeHeapTrim(Runtime.Version.parse("21")));
        assertEquals(TRIM, ChildSpec.nativeHeapTrim(Runtime.Version.parse("21.0.1")));
        assertEquals(TRIM, ChildSpec.nativeHeapTrim(Runtime.Version.parse("25")));
    }

    @Test
    void nodesAndGatewayKeepC2AndOnlyNodesLimitAvx() {
        assertFalse(
                ChildSpec.nodeOptions().contains("-XX:TieredStopAtLevel=1"), "nodes hash SHA-256 with C2's intrinsics");
        assertFalse(
                ChildSpec.gatewayOptions().contains("-XX:TieredStopAtLevel=1"), "the gateway's TLS needs C2's AES-GCM");
        assertFalse(ChildSpec.gatewayOptions().contains("-XX:UseAVX=2"), "AVX-512 makes the gateway's TLS faster");
        assertTrue(ChildSpec.smallOptions().contains("-XX:TieredStopAtLevel=1"));
    }
}
