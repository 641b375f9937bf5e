package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.ManifestSummary;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.TestMediaTypes;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Manifests anyone who can push to a public registry can make, pulled through a node that has
 * the supervisor's heap: none of them may end the node, which keeps serving ordinary pulls.
 * Manifests just under distribution's 4 MiB limit, from Debian's docker-registry.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileManifestE2ETest {
    private static final int LIMIT = 4 * 1024 * 1024;
    private final Image ordinary = OciImages.ociImage(61);
    private UpstreamRegistry upstream;

    @BeforeAll
    void start() {
        upstream = UpstreamRegistry.plain();
        upstream.push(ordinary, "team/app", "v1");
    }

    @AfterAll
    void stop() {
        upstream.close();
    }

    /** The ordinary image's manifest with one more top-level field holding {@code value}. */
    private byte[] withExtraField(String value) {
        String json = new String(ordinary.manifest().bytes(), StandardCharsets.UTF_8);
        byte[] bytes =
                (json.substring(0, json.lastIndexOf('}')) + ",\"x\":" + value + "}").getBytes(StandardCharsets.UTF_8);
        assertTrue(bytes.length < LIMIT, "under distribution's limit: " + bytes.length);
        return bytes;
    }

    /** The ordinary image's manifest with {@code count} annotations of about 110 bytes each. */
    private byte[] withAnnotations(int seed, int count) {
        StringBuilder annotations = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            annotations
                    .append(i == 0 ? "" : ",")
                    .append("\"org.example.note.")
                    .append(seed)
                    .append('.')
                    .append(i)
                    .append("\":\"")
                    .append("n".repeat(80))
                    .append('"');
        }
        String json = new String(ordinary.manifest().bytes(), StandardCharsets.UTF_8);
        byte[] bytes = (json.substring(0, json.lastIndexOf('}')) + ",\"annotations\":" + annotations + "}}")
                .getBytes(StandardCharsets.UTF_8);
        assertTrue(bytes.length < LIMIT, "under distribution's limit: " + bytes.length);
        return bytes;
    }

    private void assertServesOrdinaryPulls(NodeProcess node) throws Exception {
        assertTrue(node.isAlive(), "the node died:\n" + node.output());
        RegistryClient client = node.client();
        RegistryClient.Response r = client.getManifest("quay.io/team/app", "v1");
        assertEquals(200, r.status(), r.text());
        assertEquals(ordinary.manifest().digest(), r.sha256());
        assertEquals(
                ordinary.layer(0).blob().digest(),
                client.blobSha256("quay.io/team/app", ordinary.layer(0).blob().digest()));
    }

    @Test
    void servesAManifestOfMillionsOfEmptyObjectsToConcurrentPullsAndStaysUp() throws Exception {
        int objects = (LIMIT - ordinary.manifest().bytes().length - 16) / 3;
        byte[] crafted = withExtraField("[" + "{},".repeat(objects - 1) + "{}]");
        String digest = upstream.pushManifest("team/app", "crafted", TestMediaTypes.OCI_MANIFEST, crafted);
        try (NodeProcess node = new NodeProcess(upstream.baseUrl())) {
            List<RegistryClient.Response> answers =
                    pullConcurrently(node, List.of("crafted", "crafted", "crafted", "crafted"));
            for (RegistryClient.Response r : answers) {
                assertEquals(digest, Sha256.of(r.body()));
            }
            assertEquals(
                    200, node.client().getManifest("quay.io/team/app", digest).status(), "from the store");
            assertServesOrdinaryPulls(node);
        }
    }

    @Test
    void servesSixteenConcurrentPullsOfDifferentFourMegabyteManifestsAndStaysUp() throws Exception {
        List<String> tags = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            tags.add("big" + i);
            digests.add(upstream.pushManifest(
                    "team/app", "big" + i, TestMediaTypes.OCI_MANIFEST, withAnnotations(i, 36_000)));
        }
        try (NodeProcess node = new NodeProcess(upstream.baseUrl())) {
            List<RegistryClient.Response> answers = pullConcurrently(node, tags);
            for (int i = 0; i < tags.size(); i++) {
                assertEquals(digests.get(i), Sha256.of(answers.get(i).body()), tags.get(i));
            }
            assertServesOrdinaryPulls(node);
        }
    }

    /**
     * More 4 MB manifests at once than the node's direct memory holds as one temporary buffer each
     * (the JDK copies a heap buffer written to or read from a file into a direct one of its size):
     * the datastore writes and reads them in small pieces, so none ends in {@code OutOfMemoryError}.
     */
    @Test
    void servesTwentyFourConcurrentPullsOfDifferentFourMegabyteManifestsByTagThenByDigest() throws Exception {
        List<String> tags = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            tags.add("huge" + i);
            digests.add(upstream.pushManifest(
                    "team/app", "huge" + i, TestMediaTypes.OCI_MANIFEST, withAnnotations(100 + i, 36_000)));
        }
        try (NodeProcess node = new NodeProcess(upstream.baseUrl())) {
            List<RegistryClient.Response> byTag = pullConcurrently(node, tags);
            List<RegistryClient.Response> byDigest = pullConcurrently(node, digests);
            for (int i = 0; i < tags.size(); i++) {
                assertEquals(digests.get(i), Sha256.of(byTag.get(i).body()), tags.get(i));
                assertEquals(digests.get(i), Sha256.of(byDigest.get(i).body()), digests.get(i));
            }
            assertServesOrdinaryPulls(node);
        }
    }

    @Test
    void refusesAManifestWithMoreLayersThanItsLimitWithAClearErrorAndStaysUp() throws Exception {
        String json = new String(ordinary.manifest().bytes(), StandardCharsets.UTF_8);
        int layersAt = json.indexOf("\"layers\":[") + "\"layers\":[".length();
        String layer = json.substring(layersAt, json.indexOf('}', layersAt) + 1);
        byte[] tooMany = (json.substring(0, layersAt)
                        + (layer + ",").repeat(ManifestSummary.MAX_REFERENCES)
                        + json.substring(layersAt))
                .getBytes(StandardCharsets.UTF_8);
        String digest = upstream.pushManifest("team/app", "layered", TestMediaTypes.OCI_MANIFEST, tooMany);
        try (NodeProcess node = new NodeProcess(upstream.baseUrl())) {
            for (String reference : List.of("layered", digest)) {
                RegistryClient.Response r = node.client().getManifest("quay.io/team/app", reference);
                assertEquals(400, r.status(), r.text());
                assertTrue(r.text().contains("MANIFEST_INVALID") && r.text().contains("more than 10000"), r.text());
            }
            assertServesOrdinaryPulls(node);
        }
    }

    /**
     * Pulls the tags (or digests) of team/app all at once, each trying again after {@code Retry-After} while
     * the node answers 503 because it is busy; asserts each ends in a 200 and the node lives.
     */
    private static List<RegistryClient.Response> pullConcurrently(NodeProcess node, List<String> tags)
            throws Exception {
        AtomicInteger busy = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(tags.size());
        List<RegistryClient.Response> answers = new ArrayList<>();
        try {
            List<Future<RegistryClient.Response>> pending = new ArrayList<>();
            for (String tag : tags) {
                pending.add(clients.submit(() -> pullRetryingWhenBusy(node.client(), tag, busy)));
            }
            for (int i = 0; i < tags.size(); i++) {
                RegistryClient.Response r;
                try {
                    r = pending.get(i).get(5, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    throw new AssertionError(
                            tags.get(i) + ": " + e.getCause() + " (node alive: " + node.isAlive() + ")\n"
                                    + node.output(),
                            e);
                }
                assertEquals(200, r.status(), tags.get(i) + ": " + r.text());
                answers.add(r);
            }
        } finally {
            clients.shutdownNow();
        }
        System.out.println(tags.size() + " concurrent pulls: " + busy.get() + " answers were 503 busy");
        assertTrue(node.isAlive(), "the node died:\n" + node.output());
        return answers;
    }

    /** Pulls a tag, trying again after {@code Retry-After} while the node answers 503 because it is busy. */
    private static RegistryClient.Response pullRetryingWhenBusy(RegistryClient client, String tag, AtomicInteger busy)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            RegistryClient.Response r = client.getManifest("quay.io/team/app", tag);
            if (r.status() != 503 || System.nanoTime() > deadline) {
                return r;
            }
            busy.incrementAndGet();
            assertTrue(r.text().contains("UNAVAILABLE"), r.text());
            long seconds = Long.parseLong(
                    r.header("Retry-After").orElseThrow(() -> new AssertionError("no Retry-After: " + r)));
            Thread.sleep(seconds * 1000); // the client's pause that Retry-After asks for
        }
    }
}
