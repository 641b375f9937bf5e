package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TcpRelay;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls by tag that do not ask the upstream: within TAG_TTL, and while the upstream is unwell
 * (here: it accepts connections and never answers, behind {@link TcpRelay}), until it answers
 * again.
 */
@Tag("e2e")
class TagChecksE2ETest {
    @TempDir
    Path dir;

    private final Image image =
            OciImages.image().oci().seed(2401).layers(1).layerSize(10_000).build();

    private RegistryNode node(String upstreamUrl, Duration ttl, Duration deadline) throws Exception {
        NodeConfig config = LoopbackNodes.config(
                        "quay.io", upstreamUrl, Optional.empty(), dir.resolve("data"), dir.resolve("logs"), 0)
                .withTagChecks(ttl, deadline);
        return new RegistryNode(config).start();
    }

    private static int tagChecks(UpstreamRegistry upstream) {
        return upstream.requestCount("HEAD", "/v2/team/app/manifests/v1");
    }

    @Test
    void withinTheTtlAPullByTagDoesNotAskTheUpstream() throws Exception {
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            try (RegistryNode node = node(upstream.baseUrl(), Duration.ofHours(1), Duration.ofSeconds(3))) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                for (int i = 0; i < 5; i++) {
                    assertEquals(
                            200, client.getManifest("quay.io/team/app", "v1").status());
                }
                assertEquals(1, tagChecks(upstream), upstream.logText());
            }
        }
    }

    @Test
    void withoutATtlEveryPullByTagAsks() throws Exception {
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            try (RegistryNode node = node(upstream.baseUrl(), Duration.ZERO, Duration.ofSeconds(3))) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                for (int i = 0; i < 3; i++) {
                    assertEquals(
                            200, client.getManifest("quay.io/team/app", "v1").status());
                }
                assertEquals(3, tagChecks(upstream), upstream.logText());
            }
        }
    }

    @Test
    void aHangingUpstreamIsAskedOnceThenNotUntilItAnswersAgain() throws Exception {
        try (UpstreamRegistry upstream = UpstreamRegistry.plain();
                TcpRelay relay = TcpRelay.to(upstream.port())) {
            upstream.push(image, "team/app", "v1");
            try (RegistryNode node = node(relay.baseUrl(), Duration.ZERO, Duration.ofSeconds(1))) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                assertEquals(200, client.getManifest("quay.io/team/app", "v1").status()); // cached now
                assertEquals(
                        200,
                        client.getBlob("quay.io/team/app", image.layer(0).digest())
                                .status());

                relay.mode(TcpRelay.Mode.HANG);
                // the first pull waits for the deadline, then gets the cached tag
                RegistryClient.Response first = client.getManifest("quay.io/team/app", "v1");
                assertEquals(200, first.status());
                assertEquals(image.manifest().digest(), first.sha256());
                assertTrue(metrics(client).contains("registry_cache_upstream_unwell{registry=\"quay.io\"} 1"));
                // the following ones are answered without opening a connection to the upstream
                int connections = relay.accepted();
                for (int i = 0; i < 5; i++) {
                    assertEquals(
                            200, client.getManifest("quay.io/team/app", "v1").status());
                }
                assertTrue(
                        relay.accepted() - connections <= 1,
                        "at most the background check's connection: " + (relay.accepted() - connections));
                // a stored blob is served as ever
                assertEquals(
                        200,
                        client.getBlob("quay.io/team/app", image.layer(0).digest())
                                .status());

                relay.mode(TcpRelay.Mode.FORWARD);
                Await.until(
                        "the background check to find the upstream answering",
                        () -> metrics(client).contains("registry_cache_upstream_unwell{registry=\"quay.io\"} 0"));
                int before = tagChecks(upstream);
                assertEquals(200, client.getManifest("quay.io/team/app", "v1").status());
                assertEquals(before + 1, tagChecks(upstream), "asked again once well");
            }
        }
    }

    private static String metrics(RegistryClient client) {
        return client.get("/metrics").text();
    }
}
