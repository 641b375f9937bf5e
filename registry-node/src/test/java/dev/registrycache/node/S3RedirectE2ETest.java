package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.marks.Quarantine;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.DriverDatastore;
import dev.registrycache.common.store.location.StoreLocation;
import dev.registrycache.common.store.s3.S3Driver;
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
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on an S3 datastore with S3_REDIRECT=true: a GET of a stored blob is a 307 to the
 * object's pre-signed URL in the bucket (s3proxy), which answers ranges itself; a blob being
 * fetched is streamed, a HEAD and a 304 are answered by the node, a quarantined blob is refused
 * rather than redirected, and the redirect is a use of the blob in the access log. skopeo and
 * podman follow the redirects and get the image's digests.
 */
@Tag("e2e")
class S3RedirectE2ETest {
    private static final String REPOSITORY = "quay.io/team/app";

    @TempDir
    Path dir;

    private S3Server s3;
    private UpstreamRegistry upstream;
    private RegistryNode node;
    private Image image;

    @BeforeEach
    void start() throws Exception {
        image = OciImages.image().oci().seed(2604).layers(2).layerSize(600_000).build();
        s3 = S3Server.plain();
        upstream = UpstreamRegistry.plain();
        upstream.push(image, "team/app", "v1");
        NodeConfig config = LoopbackNodes.config(
                        "quay.io", upstream.baseUrl(), Optional.empty(), dir.resolve("data"), dir.resolve("logs"), 0)
                .withStore(StoreLocation.folder(dir.resolve("data")).inBucket(settings()));
        node = new RegistryNode(config).start();
    }

    private S3Settings settings() {
        Map<String, String> env = new HashMap<>(s3.environment("redirect"));
        env.put("S3_REDIRECT", "true");
        return S3Settings.from(env);
    }

    @AfterEach
    void stop() throws Exception {
        try (UpstreamRegistry u = upstream;
                S3Server s = s3;
                RegistryNode n = node) {
            // closed in reverse order, each even if another fails
        }
    }

    private RegistryClient client() {
        return new RegistryClient("http://127.0.0.1:" + node.port());
    }

    @Test
    void aColdBlobIsStreamedAWarmOneRedirectedToItsUrlInTheBucketWhichAnswersRanges() throws Exception {
        Layer layer = image.layers().get(0);
        byte[] whole = layer.blob().bytes();
        String path = "/v2/" + REPOSITORY + "/blobs/" + layer.digest();
        RegistryClient client = client();

        RegistryClient.Response cold = client.get(path);
        assertEquals(200, cold.status());
        assertEquals("miss", cold.header("X-Registry-Cache").orElseThrow());
        assertEquals(layer.digest(), cold.sha256());

        RegistryClient.Response warm = client.get(path);
        assertEquals(307, warm.status());
        assertEquals("hit", warm.header("X-Registry-Cache").orElseThrow());
        String location = warm.header("Location").orElseThrow();
        assertTrue(location.startsWith(s3.endpoint() + "/"), location);
        assertTrue(location.contains("X-Amz-Signature="), location);

        RegistryClient.Response fromBucket = client.get(location);
        assertEquals(200, fromBucket.status());
        assertEquals(layer.digest(), fromBucket.sha256());
        RegistryClient.Response range = client.get(location, "Range", "bytes=100-199");
        assertEquals(206, range.status());
        assertArrayEquals(Arrays.copyOfRange(whole, 100, 200), range.body());

        RegistryClient.Response head = client.head(path);
        assertEquals(200, head.status());
        assertEquals(Long.toString(whole.length), head.header("Content-Length").orElseThrow());
        assertEquals(
                304,
                client.get(path, "If-None-Match", "\"" + layer.digest() + "\"").status());

        Path log = new LogDirLayout(dir.resolve("logs")).nodeAccessLog(RegistryHost.fromKey("quay.io"));
        Await.until(
                "the redirect is in the access log, as a use of the blob",
                () -> AccessLogLines.usesWithStatus(log, 307) == 1);

        try (DriverDatastore store =
                new DriverDatastore(S3Driver.open(settings(), S3Driver.Options.of(dir.resolve("admin"))))) {
            new Quarantines(store)
                    .add(new Quarantine(Digest.parse(layer.digest()), "CVE-2026-0002", "admin", Instant.now()));
        }
        assertEquals(403, client.get(path).status());
    }

    @Test
    void skopeoAndPodmanFollowTheRedirectsOfAWarmImage() throws Exception {
        String reference = "127.0.0.1:" + node.port() + "/" + REPOSITORY + ":v1";
        Skopeo skopeo = Skopeo.create();
        skopeo.copy("docker://" + reference, "dir:" + dir.resolve("cold"));
        skopeo.copy("docker://" + reference, "dir:" + dir.resolve("warm"));
        for (Layer layer : image.layers()) {
            String hex = layer.digest().substring("sha256:".length());
            assertEquals(
                    layer.digest(),
                    Sha256.of(Files.readAllBytes(dir.resolve("warm").resolve(hex))));
        }
        Path log = new LogDirLayout(dir.resolve("logs")).nodeAccessLog(RegistryHost.fromKey("quay.io"));
        int blobs = image.layers().size() + 1; // and the config
        Await.until("the warm copy's blobs were redirected", () -> AccessLogLines.usesWithStatus(log, 307) == blobs);

        try (Podman podman = Podman.create()) {
            podman.pull(reference);
            assertEquals(image.manifest().digest(), podman.digest(reference));
        }
        Await.until("podman's blobs were redirected too", () -> AccessLogLines.usesWithStatus(log, 307) == 2L * blobs);
    }
}
