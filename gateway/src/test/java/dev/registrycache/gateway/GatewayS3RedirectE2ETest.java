package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.location.StoreLocation;
import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.NodeConfig;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.AccessLogLines;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.Layer;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Podman;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway on an S3 datastore with S3_REDIRECT=true answers a GET of a stored, linked blob
 * with a 307 to its pre-signed URL in the bucket (s3proxy), logged as a use of the blob: skopeo and
 * podman pulling a warm image through the gateway follow it and get the image's digests, and the
 * URL answers ranges. The node's redirect of a blob it serves reaches the client unchanged.
 */
@Tag("e2e")
class GatewayS3RedirectE2ETest {
    @TempDir
    Path dir;

    private final Image image =
            OciImages.image().oci().seed(2605).layers(2).layerSize(500_000).build();

    @Test
    void skopeoAndPodmanPullAWarmImageThroughTheGatewaysRedirects() throws Exception {
        Path data = dir.resolve("data");
        Path logs = dir.resolve("logs");
        try (S3Server s3 = S3Server.plain();
                UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            upstream.push(image, "team/copy", "v1");
            Map<String, String> env = new HashMap<>(s3.environment("gw"));
            env.put("S3_REDIRECT", "true");
            NodeConfig nodeConfig = LoopbackNodes.config("quay.io", upstream.baseUrl(), Optional.empty(), data, logs, 0)
                    .withStore(StoreLocation.folder(data).inBucket(S3Settings.from(env)));
            try (RegistryNode node = new RegistryNode(nodeConfig).start();
                    GatewayServer gateway = new GatewayServer(LoopbackGateways.inFrontOf(
                                    "quay.io", node.port(), dir.resolve("none.pem"), data, logs, env))
                            .start()) {
                String reference = "127.0.0.1:" + gateway.port() + "/quay.io/team/app:v1";
                Skopeo skopeo = Skopeo.create();
                skopeo.copy("docker://" + reference, "dir:" + dir.resolve("cold"));
                skopeo.copy("docker://" + reference, "dir:" + dir.resolve("warm"));
                for (Layer layer : image.layers()) {
                    String hex = layer.digest().substring("sha256:".length());
                    assertEquals(
                            layer.digest(),
                            Sha256.of(Files.readAllBytes(dir.resolve("warm").resolve(hex))));
                }
                Path log = new LogDirLayout(logs).gatewayAccessLog();
                int blobs = image.layers().size() + 1; // and the config
                Await.until(
                        "the gateway redirected the warm copy's blobs",
                        () -> AccessLogLines.usesWithStatus(log, 307) == blobs);

                try (Podman podman = Podman.create()) {
                    podman.pull(reference);
                    assertEquals(image.manifest().digest(), podman.digest(reference));
                }
                Await.until("and podman's", () -> AccessLogLines.usesWithStatus(log, 307) == 2L * blobs);

                Layer layer = image.layer(1);
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + gateway.port());
                RegistryClient.Response redirect = client.get("/v2/quay.io/team/app/blobs/" + layer.digest());
                assertEquals(307, redirect.status(), redirect.toString());
                String location = redirect.header("Location").orElseThrow();
                assertTrue(location.startsWith(s3.endpoint() + "/"), location);
                RegistryClient.Response range = client.get(location, "Range", "bytes=5000-5999");
                assertEquals(206, range.status(), range.toString());
                assertArrayEquals(Arrays.copyOfRange(layer.blob().bytes(), 5000, 6000), range.body());

                // stored, not linked to team/copy: the node answers (once the upstream confirms), its
                // redirect passed on as it is, though the bucket is on the gateway's host too
                RegistryClient.Response viaNode = client.get("/v2/quay.io/team/copy/blobs/" + layer.digest());
                assertEquals(307, viaNode.status(), viaNode.toString());
                String nodeLocation = viaNode.header("Location").orElseThrow();
                assertTrue(nodeLocation.startsWith(s3.endpoint() + "/"), nodeLocation);
                assertEquals(layer.digest(), client.get(nodeLocation).sha256());
            }
        }
    }
}
