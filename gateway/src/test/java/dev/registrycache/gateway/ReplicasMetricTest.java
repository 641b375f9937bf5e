package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.FreePort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code registry_cache_replicas}: how many replicas share the datastore as this gateway sees
 * them, so that a dashboard shows a scaled-out cache's size and a replica that lost the others.
 */
class ReplicasMetricTest {
    @TempDir
    Path dir;

    private String metrics(GatewayServer gateway) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private GatewayServer gateway(Map<String, String> env) throws Exception {
        return LoopbackGateways.start(
                Map.of("quay.io", FreePort.pick()),
                dir.resolve("no-certs.pem"),
                dir.resolve("data"),
                dir.resolve("logs"),
                env);
    }

    @Test
    void aGatewayWithoutPeersIsOneReplica() throws Exception {
        try (GatewayServer gateway = gateway(Map.of())) {
            String metrics = metrics(gateway);
            assertTrue(metrics.contains("\nregistry_cache_replicas 1\n"), metrics);
        }
    }

    @Test
    void aGatewayCountsEveryReplicaOfItsPeersListItselfIncluded() throws Exception {
        int self = FreePort.pick();
        // two replicas not up yet: they are replicas of the list all the same
        String peers = "127.0.0.1:" + self + ",127.0.0.1:" + FreePort.pick() + ",127.0.0.1:" + FreePort.pick();
        try (GatewayServer gateway = gateway(Map.of(
                "PEERS",
                peers,
                "PEER_PORT",
                Integer.toString(self),
                "PEER_SELF",
                "127.0.0.1:" + self,
                "PEER_SECRET_FILE",
                Files.writeString(dir.resolve("peer-secret"), "a secret the replicas share")
                        .toString()))) {
            String metrics = metrics(gateway);
            assertTrue(metrics.contains("\nregistry_cache_replicas 3\n"), metrics);
        }
    }
}
