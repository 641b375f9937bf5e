package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Blob;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.ImageIndex;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Platform;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.TestStore;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that already had most layers pulls only a manifest and one layer; the node fetches the
 * rest of the image in the background, so that with the upstream stopped another client pulls
 * the whole image from the cache. For an index, only the platform asked for is completed.
 */
@Tag("e2e")
class ImageCompletionE2ETest {
    @TempDir
    Path dir;

    /** Where the node keeps its datastore: its S3 variant overrides this. */
    TestStore store() {
        return TestStore.FILES;
    }

    /** The node's datastore, for the test's own looks. */
    private Datastore stored;

    @BeforeEach
    void openStore() throws IOException {
        stored = store().open(dir.resolve("data"));
    }

    @AfterEach
    void closeStore() throws Exception {
        stored.close();
    }

    private RegistryNode node(String upstreamUrl) throws Exception {
        NodeConfig config = LoopbackNodes.config(
                        "quay.io", upstreamUrl, Optional.empty(), dir.resolve("data"), dir.resolve("logs"), 0)
                .withImageCompletion(true)
                .withStore(store().location(dir.resolve("data")));
        return new RegistryNode(config).start();
    }

    private boolean stored(Blob blob) {
        return stored.blobSize(Digest.parse(blob.digest())) >= 0;
    }

    private static double completed(RegistryClient client) {
        String prefix = "registry_cache_completion_blobs_total{registry=\"quay.io\",result=\"fetched\"} ";
        return client.get("/metrics")
                .text()
                .lines()
                .filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .sum();
    }

    @Test
    void aPartlyPulledImageIsCompletedAndPullableWithTheUpstreamStopped() throws Exception {
        Image image =
                OciImages.image().oci().seed(2404).layers(3).layerSize(100_000).build();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            try (RegistryNode node = node(upstream.baseUrl())) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                // this client holds every layer but the first: it asks for the manifest and that one
                assertEquals(200, client.getManifest("quay.io/team/app", "v1").status());
                assertEquals(
                        200,
                        client.getBlob("quay.io/team/app", image.layer(0).digest())
                                .status());
                Await.until(
                        "the image's other blobs in the store",
                        () -> image.blobs().stream().allMatch(this::stored));
                for (Blob blob : image.blobs()) {
                    assertEquals(1, upstream.requestCount("GET", "/blobs/" + blob.digest()), "one GET each");
                }
                // the config and two layers at least (the client's layer too if the completion came first)
                Await.until("the completions counted", () -> completed(client) >= 3);

                upstream.stop();
                Path out = dir.resolve("pulled");
                Skopeo.create().copy("docker://127.0.0.1:" + node.port() + "/quay.io/team/app:v1", "dir:" + out);
                for (Blob blob : image.blobs()) {
                    assertEquals(blob.digest(), Sha256.of(out.resolve(Sha256.hex(blob.digest()))));
                }
            }
        }
    }

    @Test
    void ofAnIndexOnlyThePlatformAskedForIsCompleted() throws Exception {
        ImageIndex index = OciImages.index()
                .oci()
                .seed(2405)
                .platforms(Platform.LINUX_AMD64, Platform.LINUX_ARM64)
                .layers(2)
                .layerSize(50_000)
                .build();
        Image asked = index.image(Platform.LINUX_ARM64);
        Image other = index.image(Platform.LINUX_AMD64);
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(index, "team/multi", "v1");
            try (RegistryNode node = node(upstream.baseUrl())) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                assertEquals(200, client.getManifest("quay.io/team/multi", "v1").status());
                assertEquals(
                        200,
                        client.getManifest(
                                        "quay.io/team/multi", asked.manifest().digest())
                                .status());
                Await.until(
                        "the arm64 image's blobs in the store",
                        () -> asked.blobs().stream().allMatch(this::stored));
                for (Blob blob : other.blobs()) {
                    assertEquals(0, upstream.requestCount("GET", "/blobs/" + blob.digest()), "amd64 not fetched");
                }
            }
        }
    }
}
