package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose upstream refuses connections says so in words, to the client and to the operator:
 * "connection refused", not {@code java.net.ConnectException}.
 */
@Tag("e2e")
class UnreachableUpstreamE2ETest {
    private final Image image =
            OciImages.image().oci().seed(43).layers(1).layerSize(10_000).build();

    @Test
    void answersAndWarnsThatTheUpstreamRefusesConnections() throws Exception {
        try (NodeProcess node = new NodeProcess("http://127.0.0.1:" + FreePort.pick())) {
            RegistryClient.Response manifest = node.client().getManifest("quay.io/team/app", "v1");
            RegistryClient.Response blob =
                    node.client().getBlob("quay.io/team/app", image.layer(0).digest());

            for (RegistryClient.Response r : List.of(manifest, blob)) {
                assertEquals(503, r.status(), r.toString());
                assertTrue(r.text().contains("connection refused"), r.text());
                assertNoJavaIn(r.text());
            }
            String output = node.output();
            List<String> warnings =
                    output.lines().filter(l -> l.contains("level=WARN")).toList();
            assertTrue(
                    warnings.stream().anyMatch(l -> l.contains("upstream quay.io") && l.contains("connection refused")),
                    output);
            assertNoJavaInLogLines(output);
        }
    }

    @Test
    void saysWhyItServesTheCachedTagInWords(@TempDir Path data) throws Exception {
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            try (NodeFixture seeded = new NodeFixture("quay.io", upstream.baseUrl(), null, data)) {
                assertEquals(
                        200,
                        seeded.client().getManifest("quay.io/team/app", "v1").status());
            }
            upstream.stop();
            try (NodeProcess node = new NodeProcess(upstream.baseUrl(), null, Map.of(), data)) {
                RegistryClient.Response r = node.client().getManifest("quay.io/team/app", "v1");
                assertEquals(200, r.status(), "the cached tag: " + r);

                String output = node.output();
                assertTrue(
                        output.lines()
                                .anyMatch(
                                        l -> l.contains("serving the cached tag") && l.contains("connection refused")),
                        output);
                assertNoJavaInLogLines(output);
            }
        }
    }

    private static void assertNoJavaInLogLines(String output) {
        output.lines()
                .filter(l -> l.contains("level=WARN") || l.contains("level=INFO"))
                .forEach(UnreachableUpstreamE2ETest::assertNoJavaIn);
    }

    private static void assertNoJavaIn(String text) {
        assertTrue(!text.contains("java.") && !text.contains("Exception"), text);
    }
}
