package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.http.StoredBlobs;
import dev.registrycache.common.logdir.AccessLogFormat;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.Layer;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.TestStore;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored blobs answered by the gateway from the shared datastore: with the node stopped, a blob
 * the node stored and linked is still served (whole, ranged, HEAD, conditional), byte for byte
 * with the node's headers, and each answer is in the gateway's access log for the logger; a blob
 * not linked to the repository asked for, and every manifest, still needs the node. Every blob
 * answer says in {@code X-Registry-Cache} whether it came from the store ({@code hit}, from the
 * gateway or the node) or not ({@code miss}).
 */
@Tag("e2e")
class GatewayDatastoreBlobsTest {
    @TempDir
    Path dir;

    private final Image image =
            OciImages.image().oci().seed(77).layers(2).layerSize(300_000).build();

    /** Where the node and the gateway keep the datastore: the S3 variant overrides this. */
    TestStore store() {
        return TestStore.FILES;
    }

    private RegistryNode node(String registry, String upstreamUrl, Path data, Path logs) throws Exception {
        return new RegistryNode(LoopbackNodes.config(registry, upstreamUrl, data, logs, 0)
                        .withStore(store().location(data)))
                .start();
    }

    @Test
    void servesStoredLinkedBlobsWithoutTheNodeAndLogsThem() throws Exception {
        Path data = dir.resolve("data");
        Path logs = dir.resolve("logs");
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            upstream.push(image, "team/copy", "v1");
            RegistryNode node = node("quay.io", upstream.baseUrl(), data, logs);
            try (GatewayServer gateway = new GatewayServer(LoopbackGateways.inFrontOf(
                            "quay.io", node.port(), dir.resolve("none.pem"), data, logs, store().environment(data)))
                    .start()) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + gateway.port());
                Layer layer = image.layer(0);
                String path = "/v2/quay.io/team/app/blobs/" + layer.digest();
                RegistryClient.Response viaNode;
                try {
                    RegistryClient.Response coldHead = client.head(path); // asked upstream, nothing stored
                    assertEquals(Optional.of("miss"), coldHead.header(StoredBlobs.CACHE_HEADER), coldHead.toString());
                    viaNode = client.get(path); // cold: the node fetches, stores and links it
                    assertEquals(200, viaNode.status(), viaNode.toString());
                    assertEquals(Optional.of("miss"), viaNode.header(StoredBlobs.CACHE_HEADER));
                    // stored, not yet linked to team/copy: the node answers it from the store once the upstream
                    // confirms
                    RegistryClient.Response nodeHit = client.head("/v2/quay.io/team/copy/blobs/" + layer.digest());
                    assertEquals(200, nodeHit.status(), nodeHit.toString());
                    assertEquals(Optional.of("hit"), nodeHit.header(StoredBlobs.CACHE_HEADER));
                } finally {
                    node.close();
                }
                // the node is down: the stored, linked blob is answered from the datastore
                RegistryClient.Response whole = client.get(path);
                assertEquals(200, whole.status(), whole.toString());
                assertEquals(layer.digest(), Sha256.of(whole.body()));
                for (String h : List.of(
                        "Content-Type",
                        "Docker-Content-Digest",
                        "ETag",
                        "Accept-Ranges",
                        "Cache-Control",
                        "Docker-Distribution-API-Version")) {
                    assertEquals(viaNode.header(h), whole.header(h), h);
                }
                assertEquals(Optional.of(Long.toString(layer.size())), whole.header("Content-Length"));
                assertEquals(Optional.of("hit"), whole.header(StoredBlobs.CACHE_HEADER));

                RegistryClient.Response range = client.get(path, "Range", "bytes=1000-1999");
                assertEquals(206, range.status());
                assertEquals(Optional.of("bytes 1000-1999/" + layer.size()), range.header("Content-Range"));
                assertArrayEquals(Arrays.copyOfRange(layer.blob().bytes(), 1000, 2000), range.body());

                RegistryClient.Response head = client.head(path);
                assertEquals(200, head.status());
                assertEquals(Optional.of(Long.toString(layer.size())), head.header("Content-Length"));
                assertEquals(0, head.body().length);
                assertEquals(Optional.of("hit"), head.header(StoredBlobs.CACHE_HEADER));

                assertEquals(
                        304,
                        client.get(path, "If-None-Match", "\"" + layer.digest() + "\"")
                                .status());
                assertEquals(
                        416,
                        client.get(path, "Range", "bytes=" + layer.size() + "-").status());

                // the same blob under a repository it is not linked to, a blob never fetched, and a
                // manifest: the node must answer those, and it is down
                assertEquals(
                        503,
                        client.get("/v2/quay.io/other/app/blobs/" + layer.digest())
                                .status());
                assertEquals(
                        503,
                        client.get("/v2/quay.io/team/app/blobs/"
                                        + image.layer(1).digest())
                                .status());
                assertEquals(503, client.getManifest("quay.io/team/app", "v1").status());
            }
            // closed: the access log is flushed
            Path log = new LogDirLayout(logs).gatewayAccessLog();
            assertTrue(LogDirLayout.isAccessLog(log.getFileName().toString()), "the logger follows it");
            List<AccessLogFormat.Access> uses = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .map(l -> AccessLogFormat.parse(l.getBytes(StandardCharsets.UTF_8), 0, l.length()))
                    .filter(a -> a != null && a.isUse())
                    .toList();
            assertEquals(4, uses.size(), "200, 206, HEAD 200 and 304 are uses: " + uses);
            uses.forEach(a -> assertEquals(image.layer(0).digest(), a.digest().toString()));
            assertTrue(Files.readString(log).contains("\"registry\":\"quay.io\""), Files.readString(log));
        }
    }

    @Test
    void namesWithoutARegistryPrefixAreTheSameCacheAsTheDefaultRegistrysNames() throws Exception {
        Path data = dir.resolve("data");
        Path logs = dir.resolve("logs");
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "library/app", "v1");
            RegistryNode node = node("docker.io", upstream.baseUrl(), data, logs);
            try (GatewayServer gateway = new GatewayServer(LoopbackGateways.inFrontOf(
                            "docker.io", node.port(), dir.resolve("none.pem"), data, logs, store().environment(data)))
                    .start()) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + gateway.port());
                String digest = image.layer(0).digest();
                try {
                    // as Docker asks a registry-mirrors entry: no registry in the path
                    assertEquals(
                            200, client.get("/v2/library/app/blobs/" + digest).status());
                    assertEquals(
                            200,
                            client.get("/v2/docker.io/library/app/blobs/" + digest)
                                    .status());
                    assertEquals(
                            1, upstream.requestCount("GET", "/blobs/" + digest), "one upstream GET for both names");
                } finally {
                    node.close();
                }
                // the node is down: both names of the stored, linked blob come from the datastore, a
                // one-part name too (library/<name> on docker.io); a repository it is not linked to does not
                for (String path : List.of(
                        "/v2/library/app/blobs/" + digest,
                        "/v2/app/blobs/" + digest,
                        "/v2/docker.io/library/app/blobs/" + digest)) {
                    RegistryClient.Response r = client.get(path);
                    assertEquals(200, r.status(), path);
                    assertEquals(digest, Sha256.of(r.body()), path);
                }
                assertEquals(
                        503, client.get("/v2/library/other/blobs/" + digest).status());
            }
            String log = Files.readString(new LogDirLayout(logs).gatewayAccessLog());
            assertTrue(log.contains("\"registry\":\"docker.io\""), log);
            assertTrue(log.contains("\"repository\":\"docker.io/library/app\""), log);
        }
    }

    @Test
    void aGatewayStartedBeforeTheDatastoreExistsServesWhatTheNodeStoresLater() throws Exception {
        Path data = dir.resolve("fresh/data");
        Path logs = dir.resolve("fresh/logs");
        int nodePort = FreePort.pick();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            // the supervisor starts the gateway and the nodes together: on a fresh data dir the
            // gateway may come up before any node has made the datastore
            try (GatewayServer gateway = new GatewayServer(LoopbackGateways.inFrontOf(
                    "quay.io", nodePort, dir.resolve("none.pem"), data, logs, store().environment(data)))) {
                assertFalse(Files.exists(data.resolve("docker")));
                RegistryNode node = new RegistryNode(
                                LoopbackNodes.config("quay.io", upstream.baseUrl(), data, logs, nodePort)
                                        .withStore(store().location(data)))
                        .start();
                gateway.start();
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + gateway.port());
                String path = "/v2/quay.io/team/app/blobs/" + image.layer(0).digest();
                try {
                    assertEquals(200, client.get(path).status());
                } finally {
                    node.close();
                }
                RegistryClient.Response fromStore = client.get(path);
                assertEquals(200, fromStore.status(), "answered from the datastore with the node down: " + fromStore);
                assertEquals(image.layer(0).digest(), Sha256.of(fromStore.body()));
            }
        }
    }
}
