package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerSettingsTest {
    private static Map<String, String> env(Path dir, String peers, String... more) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("PEERS", peers);
        env.put(
                "PEER_SECRET_FILE",
                Files.writeString(dir.resolve("secret"), "0123456789abcdef0123\n")
                        .toString());
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    @Test
    void unsetPeersMeansOneReplicaAlone() {
        assertTrue(PeerSettings.from(Map.of()).isEmpty());
        assertTrue(PeerSettings.from(Map.of("PEERS", "  ")).isEmpty());
    }

    @Test
    void aStaticListFindsThisReplicaByItsPortOnALocalAddress(@TempDir Path dir) throws Exception {
        PeerSettings s = PeerSettings.from(
                        env(dir, "10.255.0.9:7001, 127.0.0.1:7002 127.0.0.1:7003", "PEER_PORT", "7002"))
                .orElseThrow();
        assertEquals(new PeerAddress("127.0.0.1", 7002), s.self());
        assertEquals(7002, s.port());
        assertEquals(3, s.listed().size());
        assertEquals("0123456789abcdef0123", new String(s.secret()), "the file's trailing newline is not part of it");
    }

    @Test
    void podIpOrPeerSelfNameThisReplica(@TempDir Path dir) throws Exception {
        assertEquals(
                new PeerAddress("10.1.2.3", 5443),
                PeerSettings.from(env(dir, "dns:registry-cache-peers", "POD_IP", "10.1.2.3"))
                        .orElseThrow()
                        .self());
        assertEquals(
                new PeerAddress("cache-1.example.com", 6000),
                PeerSettings.from(env(dir, "dns:registry-cache-peers", "PEER_SELF", "cache-1.example.com:6000"))
                        .orElseThrow()
                        .self());
    }

    @Test
    void badSettingsStopTheStartNamingTheVariable(@TempDir Path dir) throws Exception {
        Map<Map<String, String>, String> cases = Map.of(
                env(dir, "127.0.0.1:7002,nonsense", "PEER_PORT", "7002"), "PEERS: 'nonsense'",
                env(dir, "dns:", "POD_IP", "10.0.0.1"), "PEERS: 'dns:'",
                env(dir, "10.255.0.9:7001", "PEER_PORT", "7002"), "PEERS lists no replica on this host",
                env(dir, "dns:x", "PEER_SELF", "no-port"), "PEER_SELF: 'no-port'",
                env(dir, "dns:x", "POD_IP", "10.0.0.1", "PEER_PORT", "99999"), "PEER_PORT",
                env(
                                dir,
                                "dns:x",
                                "POD_IP",
                                "10.0.0.1",
                                "PEER_SECRET_FILE",
                                dir.resolve("missing").toString()),
                        "PEER_SECRET_FILE: cannot read");
        cases.forEach((env, message) -> {
            ConfigException e = assertThrows(ConfigException.class, () -> PeerSettings.from(env));
            assertTrue(e.getMessage().startsWith(message), e.getMessage());
        });
        Files.writeString(dir.resolve("short"), "too short");
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> PeerSettings.from(env(
                        dir,
                        "dns:x",
                        "POD_IP",
                        "10.0.0.1",
                        "PEER_SECRET_FILE",
                        dir.resolve("short").toString())));
        assertTrue(e.getMessage().contains("fewer than 16 characters"), e.getMessage());
    }
}
