package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.common.http.OnePortServer;
import dev.registrycache.gateway.peers.PeerAuth;
import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.SlowClient;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop lets a slow client's transfer in flight finish, on each port that serves blobs: the
 * gateway's public port, its peer port, and a node's port. The client reads a stored 20 MiB
 * layer over a link slower than the disk ({@link SlowClient.Pace#STALLING}) and the server is
 * closed (what SIGTERM does) after its first MiB.
 */
@Tag("e2e")
class GracefulStopE2ETest {
    @TempDir
    Path dir;

    private UpstreamRegistry upstream;
    private RegistryNode node;
    private GatewayServer gateway;
    private GatewayConfig config;
    private String digest;
    private String path;

    @BeforeEach
    void storeABigLayer() throws Exception {
        upstream = UpstreamRegistry.plain();
        Path layer = dir.resolve("layer");
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(2);
        try (OutputStream out = Files.newOutputStream(layer)) {
            for (int i = 0; i < 20; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        digest = upstream.pushBlob("team/big", layer);
        path = "/v2/quay.io/team/big/blobs/" + digest;
        Path data = dir.resolve("data");
        Path logs = dir.resolve("logs");
        node = LoopbackNodes.start("quay.io", upstream.baseUrl(), data, logs);
        int peerPort = FreePort.pick();
        Path secret = Files.writeString(dir.resolve("peer-secret"), "a secret the replicas share");
        config = LoopbackGateways.inFrontOf(
                "quay.io",
                node.port(),
                dir.resolve("none.pem"),
                data,
                logs,
                Map.of(
                        "PEERS",
                        "127.0.0.1:" + peerPort,
                        "PEER_PORT",
                        Integer.toString(peerPort),
                        "PEER_SELF",
                        "127.0.0.1:" + peerPort,
                        "PEER_SECRET_FILE",
                        secret.toString()));
        gateway = new GatewayServer(config).start();
        RegistryClient.Response first = new RegistryClient("http://127.0.0.1:" + gateway.port()).get(path);
        assertEquals(200, first.status(), "the node fetched and stored it: " + first);
    }

    @AfterEach
    void closeAll() throws Exception {
        try {
            gateway.close();
            node.close();
        } finally {
            upstream.close();
        }
    }

    @Test
    void aSlowTransferOnTheGatewaysPortFinishesWhenTheGatewayStops() throws Exception {
        assertFinishesAcrossTheStop(SlowClient.get(gateway.port(), path, SlowClient.Pace.STALLING), gateway);
    }

    @Test
    void aSlowTransferOnThePeerPortFinishesWhenTheGatewayStops() throws Exception {
        String signature = new PeerAuth(config.peers().orElseThrow().secret(), Clock.systemUTC()).sign("GET", path);
        assertFinishesAcrossTheStop(
                SlowClient.get(gateway.peerPort(), path, SlowClient.Pace.STALLING, PeerAuth.HEADER, signature),
                gateway);
    }

    @Test
    void aSlowTransferOnANodesPortFinishesWhenTheNodeStops() throws Exception {
        assertFinishesAcrossTheStop(SlowClient.get(node.port(), path, SlowClient.Pace.STALLING), node);
    }

    private void assertFinishesAcrossTheStop(SlowClient client, OnePortServer server) throws Exception {
        try (client) {
            assertEquals(200, client.status());
            client.readUntil(1 << 20);
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
                try {
                    server.close(); // what SIGTERM does
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(digest, client.readToEnd(), "the transfer in flight finished whole");
            stopping.get(60, TimeUnit.SECONDS);
        }
    }
}
