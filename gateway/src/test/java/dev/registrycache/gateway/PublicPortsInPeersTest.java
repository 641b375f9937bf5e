package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.PeerAddress;
import dev.registrycache.common.settings.PeerSettings;
import dev.registrycache.gateway.peers.PortProbe;
import dev.registrycache.testsupport.FreePort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe that tells a PEERS entry naming a public port from a peer port, against the gateway's own ports. */
class PublicPortsInPeersTest {
    @TempDir
    Path dir;

    private Map<String, String> peersEnv(String peers, int peerPort) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("PEERS", peers);
        env.put("PEER_PORT", Integer.toString(peerPort));
        env.put("PEER_SELF", "127.0.0.1:" + peerPort);
        env.put(
                "PEER_SECRET_FILE",
                Files.writeString(dir.resolve("peer-secret"), "a secret the replicas share")
                        .toString());
        return env;
    }

    private GatewayServer gateway(String certs, Map<String, String> env) throws Exception {
        return new GatewayServer(GatewayConfig.resolve(
                        "127.0.0.1",
                        "0",
                        certs,
                        dir.resolve("data").toString(),
                        dir.resolve("logs").toString(),
                        List.of("quay.io=http://127.0.0.1:" + FreePort.pick()),
                        env))
                .start();
    }

    @Test
    void thePublicPortsAnswerAsPublicPortsAndThePeerPortAsAPeerPort() throws Exception {
        int peerPort = FreePort.pick();
        Path tlsCerts = new TestPki().writeCertsPem(dir, TestPki.KeyFormat.EC);
        try (GatewayServer plain =
                        gateway(dir.resolve("no-certs.pem").toString(), peersEnv("127.0.0.1:" + peerPort, peerPort));
                GatewayServer tls = gateway(tlsCerts.toString(), Map.of())) {
            PeerAddress plainPublic = new PeerAddress("127.0.0.1", plain.port());
            PeerAddress tlsPublic = new PeerAddress("127.0.0.1", tls.port());
            PeerAddress peer = new PeerAddress("127.0.0.1", plain.peerPort());
            assertEquals(
                    Map.of(
                            plainPublic,
                            PortProbe.Answer.PUBLIC_PORT,
                            tlsPublic,
                            PortProbe.Answer.PUBLIC_PORT,
                            peer,
                            PortProbe.Answer.PEER_PORT),
                    PortProbe.probeAll(List.of(plainPublic, tlsPublic, peer)));

            String metrics = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain.port() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(metrics.contains("registry_cache_peer_requests_total{result=\"probe\"} 1"), metrics);
            assertFalse(metrics.contains("result=\"refused\""), "a probe is not an intrusion: " + metrics);
        }
    }

    @Test
    void aStaticListNamingAPublicPortIsRefusedAtStartNamingTheEntry() throws Exception {
        int peerPort = FreePort.pick();
        try (GatewayServer running =
                gateway(dir.resolve("no-certs.pem").toString(), peersEnv("127.0.0.1:" + peerPort, peerPort))) {
            int self = FreePort.pick();
            String notUpYet = "127.0.0.1:" + FreePort.pick();
            GatewayChecks.refusePublicPorts(PeerSettings.from(peersEnv(
                            "127.0.0.1:" + self + "," + "127.0.0.1:" + running.peerPort() + "," + notUpYet, self))
                    .orElseThrow());

            String publicPort = "127.0.0.1:" + running.port();
            PeerSettings wrong = PeerSettings.from(peersEnv("127.0.0.1:" + self + "," + publicPort, self))
                    .orElseThrow();
            ConfigException e = assertThrows(ConfigException.class, () -> GatewayChecks.refusePublicPorts(wrong));
            assertTrue(
                    e.getMessage().startsWith("PEERS: " + publicPort + " answers as a registry's public port"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("PEER_PORT"), e.getMessage());
        }
    }
}
