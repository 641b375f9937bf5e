package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.marks.Quarantine;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.PeerAddress;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.gateway.peers.PeerRing;
import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.Layer;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas on one datastore, each a gateway in front of its own node: a GET of a quarantined
 * blob that the other replica owns is relayed to it, and its node's refusal reaches the client as
 * the same 403 DENIED (the relay passes it on, and does not take it for a broken owner); the
 * upstream is never asked for the blob.
 */
@Tag("e2e")
class QuarantineThroughPeersE2ETest {
    @TempDir
    Path dir;

    @Test
    void aQuarantinedBlobOwnedByTheOtherReplicaIsRefusedThroughTheRelay() throws Exception {
        Path data = dir.resolve("data");
        Path secret = Files.writeString(dir.resolve("peer-secret"), "a secret the replicas share");
        PeerAddress here = new PeerAddress("127.0.0.1", FreePort.pick());
        PeerAddress owner = new PeerAddress("127.0.0.1", FreePort.pick());
        Image image = null;
        Layer owned = null;
        // The ports are free ones, so which replica owns a digest changes from run to run: take the first
        // image with a layer the other replica owns (each layer is the owner's with even odds).
        for (int seed = 2520; owned == null; seed++) {
            image = OciImages.image()
                    .oci()
                    .seed(seed)
                    .layers(4)
                    .layerSize(10_000)
                    .build();
            owned = ownedBy(owner, List.of(here, owner), image);
        }
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            new Quarantines(new FileDatastore(data))
                    .add(new Quarantine(Digest.parse(owned.digest()), "CVE-2026-0002", "admin", Instant.now()));
            try (RegistryNode ownersNode = LoopbackNodes.start("quay.io", upstream.baseUrl(), data, dir.resolve("o"));
                    GatewayServer ownersGateway = replica(owner, here, owner, ownersNode, secret);
                    RegistryNode node = LoopbackNodes.start("quay.io", upstream.baseUrl(), data, dir.resolve("h"));
                    GatewayServer gateway = replica(here, here, owner, node, secret)) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + gateway.port());

                RegistryClient.Response r = client.getBlob("quay.io/team/app", owned.digest());

                assertEquals(403, r.status(), r.toString());
                assertTrue(
                        r.text().contains("\"DENIED\"")
                                && r.text()
                                        .contains(owned.digest()
                                                + " is quarantined by the cache's administrators: CVE-2026-0002"),
                        r.text());
                String metrics = client.get("/metrics").text();
                assertTrue(
                        metrics.contains("registry_cache_peer_forwards_total{peer=\"" + owner.id()
                                + "\",result=\"forwarded\"} 1"),
                        "relayed to the owner: " + metrics);
                assertTrue(!metrics.contains("result=\"failed\""), "the owner's refusal is not a failure: " + metrics);
                assertEquals(0, upstream.requestCount("GET", "/blobs/" + owned.digest()), upstream.logText());
            }
        }
    }

    /** One replica: {@code self}'s gateway, with both replicas in its peer list, in front of {@code node}. */
    private GatewayServer replica(PeerAddress self, PeerAddress a, PeerAddress b, RegistryNode node, Path secret)
            throws Exception {
        Map<String, String> env = Map.of(
                "PEERS", a.id() + "," + b.id(),
                "PEER_PORT", Integer.toString(self.port()),
                "PEER_SELF", self.id(),
                "PEER_SECRET_FILE", secret.toString());
        Path logs = dir.resolve("logs-" + self.port());
        return new GatewayServer(LoopbackGateways.inFrontOf(
                        "quay.io", node.port(), dir.resolve("no-certs.pem"), dir.resolve("data"), logs, env))
                .start();
    }

    /** A layer of {@code image} whose digest {@code owner} owns among {@code replicas}, or null if none is. */
    private static Layer ownedBy(PeerAddress owner, List<PeerAddress> replicas, Image image) {
        PeerRing ring = new PeerRing(replicas.get(0), PeerRing.staticList(replicas), Clock.systemUTC());
        return image.layers().stream()
                .filter(l -> ring.owner(l.digest()).equals(owner))
                .findFirst()
                .orElse(null);
    }
}
