package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.Layer;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Content is stored once for every repository, but served under a repository only when it is
 * linked there or the upstream confirms that repository holds it, as distribution's proxy does.
 * A name the upstream does not know gets the OCI error and leaves nothing in the datastore.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RepositoryScopeE2ETest {
    private static final String ABSENT_DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

    private UpstreamRegistry upstream;
    private NodeFixture node;
    private RegistryClient client;
    private final Image image =
            OciImages.image().oci().seed(41).layers(2).layerSize(200_000).build();

    @BeforeAll
    void start() throws Exception {
        upstream = UpstreamRegistry.plain();
        upstream.push(image, "team/app", "v1");
        upstream.push(image, "team/copy", "v1"); // the same blobs and manifest under a second name
        node = new NodeFixture("quay.io", upstream.baseUrl(), null);
        client = node.client();
        // team/app is pulled through the cache: its manifest and blobs are stored and linked there
        assertEquals(200, client.getManifest("quay.io/team/app", "v1").status());
        assertEquals(
                image.config().digest(),
                client.blobSha256("quay.io/team/app", image.config().digest()));
        for (Layer layer : image.layers()) {
            assertEquals(layer.digest(), client.blobSha256("quay.io/team/app", layer.digest()));
        }
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
    void storedContentIsRefusedForRepositoriesTheUpstreamDoesNotHaveAndNothingIsWritten() throws Exception {
        List<String> before = datastoreTree();
        String layer = image.layer(0).digest();
        String manifest = image.manifest().digest();
        List<String> answers = new ArrayList<>();
        for (String name : List.of("quay.io/team/other", "quay.io/does/not/exist")) {
            answers.add(answer("GET", "/v2/" + name + "/blobs/" + layer));
            answers.add(answer("HEAD", "/v2/" + name + "/blobs/" + layer));
            answers.add(answer("GET", "/v2/" + name + "/blobs/" + ABSENT_DIGEST));
            answers.add(answer("GET", "/v2/" + name + "/manifests/" + manifest));
            answers.add(answer("HEAD", "/v2/" + name + "/manifests/" + manifest));
            answers.add(answer("GET", "/v2/" + name + "/manifests/v1"));
            answers.add(answer("HEAD", "/v2/" + name + "/manifests/v1"));
            answers.add(answer("GET", "/v2/" + name + "/tags/list"));
        }
        assertEquals(before, datastoreTree(), "requests for names the upstream does not know wrote to the datastore");
        for (String a : answers) {
            assertTrue(a.startsWith("404"), a);
            if (a.contains("GET /v2/") && a.contains("/blobs/")) {
                assertTrue(a.contains("BLOB_UNKNOWN"), a);
            } else if (a.contains("GET /v2/") && a.contains("/manifests/")) {
                assertTrue(a.contains("MANIFEST_UNKNOWN"), a);
            } else if (a.contains("/tags/list")) {
                assertTrue(a.contains("NAME_UNKNOWN"), a);
            }
        }
        assertEquals(
                0,
                upstream.requestCount("GET", "/v2/team/other/blobs/" + layer),
                "the stored blob is not downloaded for them");
        assertEquals(0, upstream.requestCount("GET", "/v2/does/not/exist/blobs/" + layer));
    }

    @Test
    @Order(2)
    void storedContentTheUpstreamConfirmsIsLinkedAndServedWithoutADownload() throws Exception {
        String layer = image.layer(0).digest();
        String manifest = image.manifest().digest();
        int blobGets = upstream.requestCount("GET", "/blobs/" + layer);
        int manifestGets = upstream.requestCount("GET", "/manifests/");
        int blobHeads = upstream.requestCount("HEAD", "/v2/team/copy/blobs/" + layer); // the push's
        int manifestHeads = upstream.requestCount("HEAD", "/v2/team/copy/manifests/" + manifest);

        assertEquals(layer, client.blobSha256("quay.io/team/copy", layer));
        assertEquals(layer, client.blobSha256("quay.io/team/copy", layer));
        assertEquals(
                blobGets, upstream.requestCount("GET", "/blobs/" + layer), "the stored blob is not downloaded again");
        assertEquals(
                blobHeads + 1,
                upstream.requestCount("HEAD", "/v2/team/copy/blobs/" + layer),
                "one HEAD confirms the repository holds the blob; then it is linked");
        assertTrue(Files.exists(repository("team/copy").resolve("_layers/sha256/" + Sha256.hex(layer) + "/link")));

        RegistryClient.Response byDigest = client.getManifest("quay.io/team/copy", manifest);
        assertEquals(200, byDigest.status(), byDigest.toString());
        assertEquals(manifest, byDigest.sha256());
        assertEquals(200, client.getManifest("quay.io/team/copy", manifest).status());
        assertEquals(
                manifestGets,
                upstream.requestCount("GET", "/manifests/"),
                "the stored manifest is not downloaded again");
        assertEquals(manifestHeads + 1, upstream.requestCount("HEAD", "/v2/team/copy/manifests/" + manifest));
        assertTrue(Files.exists(
                repository("team/copy").resolve("_manifests/revisions/sha256/" + Sha256.hex(manifest) + "/link")));
    }

    @Test
    @Order(3)
    void whileTheUpstreamIsDownLinkedContentIsServedAndUnlinkedContentIsNot() throws Exception {
        String layer = image.layer(1).digest();
        String manifest = image.manifest().digest();
        upstream.stop();
        try {
            List<String> before = datastoreTree();
            assertEquals(layer, client.blobSha256("quay.io/team/app", layer));
            assertEquals(200, client.getManifest("quay.io/team/app", manifest).status());
            RegistryClient.Response blob = client.getBlob("quay.io/team/unconfirmed", layer);
            assertEquals(503, blob.status(), blob.toString());
            assertTrue(blob.header("Retry-After").isPresent());
            assertEquals(
                    503,
                    client.getManifest("quay.io/team/unconfirmed", manifest).status());
            assertEquals(before, datastoreTree());
        } finally {
            upstream.start();
        }
    }

    private String answer(String method, String path) {
        RegistryClient.Response r = client.send(method, path, java.net.http.HttpRequest.BodyPublishers.noBody());
        return r.status() + " " + method + " " + path + " " + r.text();
    }

    private Path repository(String name) {
        return node.dataDir.resolve("docker/registry/v2/repositories/quay.io/" + name);
    }

    /** Every folder and file of the datastore, as paths relative to it. */
    private List<String> datastoreTree() throws Exception {
        Path root = node.dataDir.resolve("docker/registry/v2");
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
