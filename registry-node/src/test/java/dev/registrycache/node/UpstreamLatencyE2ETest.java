package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The time an upstream takes to answer is a histogram, so that a dashboard can show its 95th
 * percentile, not only its mean: every request the node sent is counted in each bucket whose
 * bound it is at or below, and in {@code +Inf}.
 */
@Tag("e2e")
class UpstreamLatencyE2ETest {
    private static final String FAMILY = "registry_cache_upstream_response_seconds";

    @Test
    void everyUpstreamRequestIsCountedInTheLatencyHistogramsBuckets(@TempDir Path dir) throws Exception {
        Image image =
                OciImages.image().oci().seed(2501).layers(1).layerSize(10_000).build();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            try (RegistryNode node =
                    LoopbackNodes.start("quay.io", upstream.baseUrl(), dir.resolve("data"), dir.resolve("logs"))) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                assertEquals(200, client.getManifest("quay.io/team/app", "v1").status());
                assertEquals(
                        200,
                        client.getBlob("quay.io/team/app", image.layer(0).digest())
                                .status());
                String metrics = client.get("/metrics").text();

                assertTrue(metrics.contains("# TYPE " + FAMILY + " histogram\n"), metrics);
                Matcher counts = Pattern.compile(FAMILY + "_count\\{registry=\"quay.io\",method=\"(\\w+)\"} (\\d+)\n")
                        .matcher(metrics);
                long requests = 0;
                while (counts.find()) {
                    long count = Long.parseLong(counts.group(2));
                    List<Long> buckets = buckets(metrics, counts.group(1));
                    assertTrue(buckets.size() > 1, metrics);
                    assertEquals(count, buckets.get(buckets.size() - 1), "+Inf counts every request: " + metrics);
                    for (int i = 1; i < buckets.size(); i++) {
                        assertTrue(buckets.get(i - 1) <= buckets.get(i), "cumulative: " + metrics);
                    }
                    requests += count;
                }
                assertTrue(requests >= 2, "the manifest and the blob were asked of the upstream: " + metrics);
            }
        }
    }

    /** The values of the {@code _bucket} series of {@code method}, in the order of the text. */
    private static List<Long> buckets(String metrics, String method) {
        return Pattern.compile(
                        FAMILY + "_bucket\\{registry=\"quay.io\",method=\"" + method + "\",le=\"[^\"]+\"} (\\d+)\n")
                .matcher(metrics)
                .results()
                .map(m -> Long.parseLong(m.group(1)))
                .toList();
    }
}
