package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.NodeToken;
import dev.registrycache.common.store.location.StoreLocation;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node given a {@link NodeToken} serves only requests that carry it, as the gateway's do. */
@Tag("e2e")
class GatewayOnlyNodeE2ETest {
    @Test
    void refusesEveryRequestWithoutTheGatewaysToken(@TempDir Path dir) throws Exception {
        Image image =
                OciImages.image().oci().seed(91).layers(1).layerSize(10_000).build();
        NodeToken token = NodeToken.fromEnvironment(Map.of(NodeToken.ENV, "a-secret-of-the-gateway-0123456789"))
                .orElseThrow();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            RegistryNode node = new RegistryNode(new NodeConfig(
                            RegistryHost.fromKey("quay.io"),
                            URI.create(upstream.baseUrl()),
                            Optional.empty(),
                            Optional.empty(),
                            StoreLocation.folder(dir.resolve("data")),
                            dir.resolve("logs"),
                            "127.0.0.1",
                            0,
                            false,
                            Set.of(),
                            Optional.of(token),
                            NodeConfig.NO_TAG_TTL,
                            NodeConfig.DEFAULT_TAG_DEADLINE,
                            false,
                            Optional.empty()))
                    .start();
            try {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                String blob = "/v2/quay.io/team/app/blobs/" + image.layer(0).digest();
                for (String path :
                        new String[] {"/v2/", blob, "/v2/quay.io/team/app/manifests/v1", "/healthz", "/metrics"}) {
                    RegistryClient.Response none = client.get(path);
                    assertEquals(401, none.status(), path);
                    assertTrue(none.text().contains("UNAUTHORIZED"), none.text());
                    assertEquals(
                            401,
                            client.get(path, NodeToken.HEADER, "a-guess-of-the-same-length-0123456")
                                    .status(),
                            path);
                }
                assertEquals(0, upstream.requestCount("GET", "/blobs/"), "nothing was fetched for a refused request");
                RegistryClient.Response allowed = client.get(blob, NodeToken.HEADER, token.value());
                assertEquals(200, allowed.status(), allowed.toString());
                assertEquals(image.layer(0).digest(), allowed.sha256());
            } finally {
                node.close();
            }
        }
    }
}
