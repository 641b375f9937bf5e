package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RateLimitingFront;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that rate limits as Docker Hub does: its allowance headers become metrics, and a
 * {@code 429} stops the node asking it until its {@code Retry-After} has passed, while tags are
 * answered from the cache and everything else gets {@code 429} with the seconds left.
 */
@Tag("e2e")
class RateLimitE2ETest {
    @TempDir
    Path dir;

    private final Image image =
            OciImages.image().oci().seed(2402).layers(2).layerSize(10_000).build();

    @Test
    void a429StopsAllRequestsToTheUpstreamUntilRetryAfterAndTagsAreServedFromTheCache() throws Exception {
        try (UpstreamRegistry upstream = UpstreamRegistry.plain();
                RateLimitingFront front = RateLimitingFront.before(upstream.baseUrl())) {
            upstream.push(image, "team/app", "v1");
            NodeConfig config = LoopbackNodes.config(
                            "docker.io", front.baseUrl(), Optional.empty(), dir.resolve("data"), dir.resolve("logs"), 0)
                    .withTagChecks(Duration.ZERO, Duration.ofSeconds(3));
            try (RegistryNode node = new RegistryNode(config).start()) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                front.allowance(100, 7);
                assertEquals(200, client.getManifest("docker.io/team/app", "v1").status());
                assertEquals(
                        200,
                        client.getBlob("docker.io/team/app", image.layer(0).digest())
                                .status());
                String metrics = client.get("/metrics").text();
                assertTrue(
                        metrics.contains("registry_cache_upstream_ratelimit_limit{registry=\"docker.io\"} 100"),
                        metrics);
                assertTrue(
                        metrics.contains("registry_cache_upstream_ratelimit_remaining{registry=\"docker.io\"} 7"),
                        metrics);

                front.refuseFor(600);
                int before = front.requests();
                // the tag check gets the 429: the cached tag is the answer
                RegistryClient.Response tag = client.getManifest("docker.io/team/app", "v1");
                assertEquals(200, tag.status());
                assertEquals(image.manifest().digest(), tag.sha256());
                assertEquals(before + 1, front.requests(), "one request met the 429");
                // from now on nothing reaches the upstream: tags from the cache, the rest 429
                assertEquals(200, client.getManifest("docker.io/team/app", "v1").status());
                RegistryClient.Response blob =
                        client.getBlob("docker.io/team/app", image.layer(1).digest());
                assertEquals(429, blob.status(), blob.toString());
                long retryAfter = Long.parseLong(blob.header("Retry-After").orElseThrow());
                assertTrue(retryAfter > 0 && retryAfter <= 600, "Retry-After " + retryAfter);
                assertTrue(blob.text().contains("TOOMANYREQUESTS"), blob.text());
                assertEquals(
                        200,
                        client.getBlob("docker.io/team/app", image.layer(0).digest())
                                .status(),
                        "stored");
                assertEquals(before + 1, front.requests(), "no request while the upstream asked to wait");
            }
        }
    }
}
