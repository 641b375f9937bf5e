package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.StoreKeys;
import dev.registrycache.common.store.StoreLocation;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.Layer;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose datastore is an S3 bucket (s3proxy): a pull stores the image's blobs, links and
 * tag in the bucket, in distribution's layout under S3_PREFIX, and is served from there when the
 * upstream is gone; the local data dir holds no blob.
 */
@Tag("e2e")
class S3DatastoreNodeE2ETest {
    @TempDir
    Path dir;

    @Test
    void aPullIsStoredInTheBucketAndServedFromItWithoutTheUpstream() throws Exception {
        Image image =
                OciImages.image().oci().seed(2601).layers(2).layerSize(300_000).build();
        try (S3Server s3 = S3Server.plain();
                UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            NodeConfig config = LoopbackNodes.config(
                            "quay.io",
                            upstream.baseUrl(),
                            java.util.Optional.empty(),
                            dir.resolve("data"),
                            dir.resolve("logs"),
                            0)
                    .withStore(StoreLocation.folder(dir.resolve("data"))
                            .inBucket(S3Settings.from(s3.environment("caches/node"))));
            try (RegistryNode node = new RegistryNode(config).start()) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                assertEquals(200, client.getManifest("quay.io/team/app", "v1").status());
                for (Layer layer : image.layers()) {
                    assertEquals(layer.digest(), client.blobSha256("quay.io/team/app", layer.digest()));
                }
                List<String> keys = s3.client().keys("caches/node/");
                for (Layer layer : image.layers()) {
                    assertTrue(
                            keys.contains("caches/node/" + StoreKeys.blobData(Digest.parse(layer.digest()))),
                            keys.toString());
                }
                assertTrue(
                        keys.stream().anyMatch(k -> k.endsWith("/_manifests/tags/v1/current/link")), keys.toString());

                String metrics = client.get("/metrics").text();
                assertTrue(
                        metrics.contains("registry_cache_s3_requests_total{operation=\"PUT\",result=\"ok\"}")
                                && !metrics.contains("result=\"failed\""),
                        "the bucket's requests are counted: " + metrics);

                upstream.stop();
                assertEquals(200, client.getManifest("quay.io/team/app", "v1").status());
                for (Layer layer : image.layers()) {
                    assertEquals(layer.digest(), client.blobSha256("quay.io/team/app", layer.digest()));
                }
            }
            try (var files = Files.walk(dir.resolve("data"))) {
                assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "nothing stored locally");
            }
        }
    }
}
