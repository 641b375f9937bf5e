package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.ImageIndex;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Platform;
import dev.registrycache.testsupport.Podman;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.TestStore;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node as users see it, against Debian's docker-registry as the upstream and skopeo and
 * podman as clients: pulls of every manifest kind keep their digests, keep working when the
 * upstream is down, and leave a datastore the stock registry can serve (a copy of it, on
 * either driver).
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PullThroughE2ETest {
    private UpstreamRegistry upstream;
    private NodeFixture node;
    private final Skopeo skopeo = Skopeo.create();
    private final Image oci =
            OciImages.image().oci().seed(11).layers(2).layerSize(300_000).build();
    private final Image docker =
            OciImages.image().docker().seed(12).layers(2).layerSize(200_000).build();
    private final ImageIndex index = OciImages.index()
            .oci()
            .seed(13)
            .platforms(Platform.LINUX_AMD64, Platform.LINUX_ARM64)
            .layers(1)
            .layerSize(100_000)
            .build();
    private final ImageIndex list = OciImages.index()
            .docker()
            .seed(14)
            .platforms(Platform.LINUX_AMD64, Platform.LINUX_ARM64)
            .layers(1)
            .layerSize(50_000)
            .build();

    /** Where the node keeps its datastore: its S3 variant overrides this. */
    TestStore store() {
        return TestStore.FILES;
    }

    @BeforeAll
    void start() throws Exception {
        upstream = UpstreamRegistry.plain();
        upstream.push(oci, "team/oci", "v1");
        upstream.push(docker, "team/docker", "v1");
        upstream.push(index, "team/multi", "v1");
        upstream.push(list, "team/list", "v1");
        node = new NodeFixture("quay.io", upstream.baseUrl(), null, null, store());
    }

    @AfterAll
    void stop() throws Exception {
        try (UpstreamRegistry u = upstream;
                NodeFixture n = node) {
            // closed in reverse order
        }
    }

    @Test
    @Order(1)
    void skopeoCopiesAnOciImageWithItsDigest(@TempDir Path out) {
        skopeo.copy(node.dockerRef("team/oci", "v1"), "dir:" + out.resolve("oci"));
        assertEquals(oci.manifest().digest(), Sha256.of(read(out.resolve("oci/manifest.json"))));
        assertEquals(oci.manifest().digest(), skopeo.manifestDigest(node.dockerRef("team/oci", "v1"), null));
    }

    @Test
    @Order(2)
    void skopeoCopiesADockerSchema2ImageWithItsDigest(@TempDir Path out) {
        skopeo.copy(node.dockerRef("team/docker", "v1"), "dir:" + out.resolve("docker"));
        assertEquals(docker.manifest().digest(), Sha256.of(read(out.resolve("docker/manifest.json"))));
    }

    @Test
    @Order(3)
    void skopeoCopiesAWholeMultiArchIndex(@TempDir Path out) {
        skopeo.copy(
                node.dockerRef("team/multi", "v1"),
                "oci:" + out.resolve("multi") + ":v1",
                "--all",
                "--preserve-digests");
        assertEquals(index.manifest().digest(), skopeo.manifestDigest(node.dockerRef("team/multi", "v1"), null));
        for (Image image : index.images()) {
            assertTrue(
                    Files.exists(
                            out.resolve("multi/blobs/sha256/" + image.manifest().hex())),
                    image.platform().toString());
            for (var layer : image.layers()) {
                assertTrue(Files.exists(
                        out.resolve("multi/blobs/sha256/" + layer.blob().hex())));
            }
        }
    }

    @Test
    @Order(3)
    void skopeoCopiesADockerManifestListAndPodmanPullsOnePlatform(@TempDir Path out) {
        skopeo.copy(node.dockerRef("team/list", "v1"), "dir:" + out.resolve("list"), "--all", "--preserve-digests");
        assertEquals(list.manifest().digest(), Sha256.of(read(out.resolve("list/manifest.json"))));
        assertEquals(list.manifest().digest(), skopeo.manifestDigest(node.dockerRef("team/list", "v1"), null));
        try (Podman podman = Podman.create()) {
            podman.pull(node.hostPort() + "/quay.io/team/list:v1", Platform.LINUX_AMD64, null);
            assertEquals(list.manifest().digest(), podman.digest(node.hostPort() + "/quay.io/team/list:v1"));
        }
    }

    @Test
    @Order(4)
    void podmanPullsOnePlatformOfTheIndex() {
        try (Podman podman = Podman.create()) {
            podman.pull(node.hostPort() + "/quay.io/team/multi:v1", Platform.LINUX_ARM64, null);
            assertEquals(index.manifest().digest(), podman.digest(node.hostPort() + "/quay.io/team/multi:v1"));
        }
        // only the arm64 image's layers were asked for by podman; amd64's came from skopeo --all earlier
        assertTrue(upstream.requestCount(
                        "GET",
                        "/blobs/" + index.image(Platform.LINUX_ARM64).layer(0).digest())
                <= 1);
    }

    @Test
    @Order(5)
    void everyBlobWasFetchedFromUpstreamOnlyOnce() {
        for (Image image : List.of(oci, docker)) {
            for (var layer : image.layers()) {
                assertEquals(1, upstream.requestCount("GET", "/blobs/" + layer.digest()), layer.digest());
            }
        }
    }

    @Test
    @Order(6)
    void accessLogHasOneJsonLinePerRequest() throws Exception {
        List<String> lines = node.accessLogLines(all -> !all.isEmpty());
        boolean sawBlobHit = false;
        for (String line : lines) {
            JsonNode j = Json.MAPPER.readTree(line);
            for (String field : List.of("time", "method", "path", "status", "bytes", "cache", "durationMs")) {
                assertTrue(j.has(field), field + " missing in " + line);
            }
            if ("blob".equals(j.path("kind").asText()) && j.path("status").asInt() == 200) {
                assertTrue(j.path("digest").asText().startsWith("sha256:"));
                assertTrue(j.path("repository").asText().startsWith("quay.io/team/"));
                sawBlobHit |= "hit".equals(j.path("cache").asText());
            }
        }
        skopeo.copy(node.dockerRef("team/oci", "v1"), "dir:" + node.folder.resolve("again"));
        boolean hitBefore = sawBlobHit;
        node.accessLogLines(all -> hitBefore || all.stream().anyMatch(l -> l.contains("\"cache\":\"hit\"")));
    }

    @Test
    @Order(10)
    void servesTheSameTagsAndDigestsWhenTheUpstreamIsDown(@TempDir Path out) {
        upstream.stop();
        try {
            skopeo.copy(node.dockerRef("team/oci", "v1"), "dir:" + out.resolve("oci"));
            assertEquals(oci.manifest().digest(), Sha256.of(read(out.resolve("oci/manifest.json"))));
            skopeo.copy(node.dockerRef("team/docker", "v1"), "dir:" + out.resolve("docker"));
            assertEquals(docker.manifest().digest(), Sha256.of(read(out.resolve("docker/manifest.json"))));
            assertEquals(index.manifest().digest(), skopeo.manifestDigest(node.dockerRef("team/multi", "v1"), null));
            try (Podman podman = Podman.create()) {
                podman.pull(node.hostPort() + "/quay.io/team/multi:v1", Platform.LINUX_ARM64, null);
            }
            RegistryClient.Response tags = node.client().get("/v2/quay.io/team/oci/tags/list");
            assertEquals(200, tags.status());
            assertTrue(tags.text().contains("\"v1\""), tags.text());
            RegistryClient.Response unknown = node.client().get("/v2/quay.io/team/oci/manifests/never-pulled");
            assertEquals(503, unknown.status(), unknown.text());
            assertTrue(unknown.header("Retry-After").isPresent());
        } finally {
            upstream.start();
        }
    }

    @Test
    @Order(11)
    void theStockRegistryServesACopyOfTheDatastore(@TempDir Path copy) throws Exception {
        Path root = copy.resolve("store");
        store().copyTo(node.dataDir, root);
        try (UpstreamRegistry stock = UpstreamRegistry.readOnly(root)) {
            String base = "docker://" + stock.hostPort() + "/quay.io/team/";
            skopeo.copy(base + "oci:v1", "dir:" + copy.resolve("oci"));
            assertEquals(oci.manifest().digest(), Sha256.of(read(copy.resolve("oci/manifest.json"))));
            skopeo.copy(base + "docker:v1", "dir:" + copy.resolve("docker"));
            assertEquals(docker.manifest().digest(), Sha256.of(read(copy.resolve("docker/manifest.json"))));
            skopeo.copy(base + "multi:v1", "oci:" + copy.resolve("multi") + ":v1", "--all", "--preserve-digests");
            assertEquals(index.manifest().digest(), skopeo.manifestDigest(base + "multi:v1", null));
        }
    }

    @Test
    @Order(12)
    void aNodeStartedWhileTheUpstreamIsUnreachableServesItsCache(@TempDir Path out) throws Exception {
        upstream.stop();
        try (NodeFixture second = new NodeFixture("quay.io", upstream.baseUrl(), null, node.dataDir, store())) {
            skopeo.copy(second.dockerRef("team/oci", "v1"), "dir:" + out.resolve("oci"));
            assertEquals(oci.manifest().digest(), Sha256.of(read(out.resolve("oci/manifest.json"))));
            skopeo.copy(second.dockerRef("team/oci", oci.manifest().digest()), "dir:" + out.resolve("bydigest"));
        } finally {
            upstream.start();
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
