package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.marks.Quarantine;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Blob;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestStore;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quarantined digests, as the admin API writes them into the shared datastore, against a node in
 * front of Debian's docker-registry: a manifest asked by digest, the digest a tag resolves to
 * (upstream, fresh within TAG_TTL, or stale with the upstream down) and a blob are refused with
 * 403 DENIED naming the quarantine, before the upstream is asked and whatever the store or the
 * node's memory holds; nothing quarantined is stored or fetched ahead; released, it is pulled
 * again.
 */
@Tag("e2e")
class QuarantineE2ETest {
    private static final String REPO = "quay.io/team/app";
    private static final RepositoryName STORED_REPO = RepositoryName.parse(REPO);

    @TempDir
    Path dir;

    private final Image first =
            OciImages.image().oci().seed(2501).layers(2).layerSize(20_000).build();
    private final Image second =
            OciImages.image().oci().seed(2502).layers(2).layerSize(20_000).build();

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

    private RegistryNode node(String upstreamUrl, Duration tagTtl, boolean completeImages) throws Exception {
        NodeConfig config = LoopbackNodes.config(
                        "quay.io", upstreamUrl, Optional.empty(), dir.resolve("data"), dir.resolve("logs"), 0)
                .withTagChecks(tagTtl, Duration.ofSeconds(5))
                .withImageCompletion(completeImages)
                .withStore(store().location(dir.resolve("data")));
        return new RegistryNode(config).start();
    }

    private static RegistryClient client(RegistryNode node) {
        return new RegistryClient("http://127.0.0.1:" + node.port());
    }

    private void quarantine(String digest) throws Exception {
        new Quarantines(stored).add(new Quarantine(Digest.parse(digest), "CVE-2026-0001", "admin", Instant.now()));
    }

    /** What the admin API does with a digest it quarantines: its stored bytes go. */
    private void quarantineAndDeleteItsBytes(String digest) throws Exception {
        quarantine(digest);
        stored.deleteBlob(Digest.parse(digest));
    }

    private static void assertRefused(RegistryClient.Response r, String digest) {
        assertEquals(403, r.status(), r.toString());
        if (r.body().length > 0) { // a HEAD's answer has no body
            assertTrue(r.text().contains("\"DENIED\""), r.text());
            assertTrue(
                    r.text().contains(digest + " is quarantined by the cache's administrators: CVE-2026-0001"),
                    r.text());
        }
    }

    private static int upstreamRequests(UpstreamRegistry upstream, String pathPart) {
        return upstream.requestCount("GET", pathPart) + upstream.requestCount("HEAD", pathPart);
    }

    @Test
    void aQuarantinedManifestIsRefusedByDigestWhetherHeldOrNotBeforeTheUpstreamIsAsked() throws Exception {
        String held = first.manifest().digest();
        String notHeld = second.manifest().digest();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(first, "team/app", "v1");
            upstream.push(second, "team/app", "v2");
            try (RegistryNode node = node(upstream.baseUrl(), Duration.ZERO, false)) {
                RegistryClient client = client(node);
                assertEquals(200, client.getManifest(REPO, held).status(), "in the store and the node's memory now");
                quarantine(held);
                quarantine(notHeld);
                int asked = upstreamRequests(upstream, "/manifests/");

                for (String digest : new String[] {held, notHeld}) {
                    assertRefused(client.getManifest(REPO, digest), digest);
                    assertRefused(client.head("/v2/" + REPO + "/manifests/" + digest), digest);
                }
                assertEquals(asked, upstreamRequests(upstream, "/manifests/"), upstream.logText());
                assertTrue(stored.blobSize(Digest.parse(notHeld)) < 0, "nothing stored");
            }
        }
    }

    @Test
    void aTagThatResolvesUpstreamToAQuarantinedDigestIsRefusedEvenRePushedAndNothingIsStored() throws Exception {
        String bad = second.manifest().digest();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(first, "team/app", "v1");
            try (RegistryNode node = node(upstream.baseUrl(), Duration.ZERO, false)) {
                RegistryClient client = client(node);
                assertEquals(200, client.getManifest(REPO, "v1").status());
                // the tag is re-pointed upstream at an image the operators quarantined before any pull
                quarantine(bad);
                upstream.push(second, "team/app", "v1");
                assertRefused(client.getManifest(REPO, "v1"), bad);
                assertRefused(client.head("/v2/" + REPO + "/manifests/v1"), bad);
                assertEquals(0, upstream.requestCount("GET", "/manifests/" + bad), "its HEAD's digest sufficed");
                assertTrue(stored.blobSize(Digest.parse(bad)) < 0, "not stored");
                assertEquals(
                        Digest.parse(first.manifest().digest()),
                        stored.tagTarget(STORED_REPO, dev.registrycache.common.oci.Tag.parse("v1")),
                        "the cached tag is not moved to it");
                // pushed again under the same tag: still refused
                upstream.push(second, "team/app", "v1");
                assertRefused(client.getManifest(REPO, "v1"), bad);
                assertTrue(stored.blobSize(Digest.parse(bad)) < 0, "not stored");
            }
        }
    }

    @Test
    void aTagConfirmedWithinTheTtlIsRefusedOnceItsDigestIsQuarantined() throws Exception {
        String bad = first.manifest().digest();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(first, "team/app", "v1");
            try (RegistryNode node = node(upstream.baseUrl(), Duration.ofHours(1), false)) {
                RegistryClient client = client(node);
                assertEquals(200, client.getManifest(REPO, "v1").status());
                quarantine(bad); // held in the store and in the node's memory, confirmed an hour long
                assertRefused(client.getManifest(REPO, "v1"), bad);
            }
        }
    }

    @Test
    void withTheUpstreamDownAStaleTagOfAQuarantinedDigestIsRefusedNotAnOlderDigest() throws Exception {
        String older = first.manifest().digest();
        String bad = second.manifest().digest();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(first, "team/app", "v1");
            try (RegistryNode node = node(upstream.baseUrl(), Duration.ZERO, false)) {
                RegistryClient client = client(node);
                assertEquals(older, client.getManifest(REPO, "v1").sha256());
                upstream.push(second, "team/app", "v1");
                assertEquals(bad, client.getManifest(REPO, "v1").sha256(), "the tag's history: older, then bad");

                quarantineAndDeleteItsBytes(bad);
                upstream.stop();
                // the first pull finds the upstream down, the next ones find it unwell: each is refused
                for (int i = 0; i < 3; i++) {
                    assertRefused(client.getManifest(REPO, "v1"), bad);
                }
                assertEquals(200, client.getManifest(REPO, older).status(), "the older digest is not quarantined");
            }
        }
    }

    @Test
    void aQuarantinedLayerIsRefusedNeverFetchedNorCompletedAndPulledOnceReleased() throws Exception {
        Blob storedThenQuarantined = first.config();
        Blob bad = first.layer(0).blob();
        Blob next = first.layer(1).blob(); // completed after the quarantined layer
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(first, "team/app", "v1");
            try (RegistryNode node = node(upstream.baseUrl(), Duration.ZERO, true)) {
                RegistryClient client = client(node);
                assertEquals(
                        200,
                        client.getBlob(REPO, storedThenQuarantined.digest()).status());
                quarantine(storedThenQuarantined.digest()); // its bytes left in the store: a race with the admin API
                quarantine(bad.digest());
                int asked = upstreamRequests(upstream, "/blobs/" + bad.digest()); // the push's

                for (Blob blob : new Blob[] {bad, storedThenQuarantined}) {
                    assertRefused(client.getBlob(REPO, blob.digest()), blob.digest());
                    assertRefused(client.head("/v2/" + REPO + "/blobs/" + blob.digest()), blob.digest());
                }
                // the image's manifest is served; its completion skips the quarantined layer, fetches the next
                assertEquals(200, client.getManifest(REPO, "v1").status());
                Await.until("the next layer completed", () -> stored.blobSize(Digest.parse(next.digest())) >= 0);
                assertEquals(asked, upstreamRequests(upstream, "/blobs/" + bad.digest()), upstream.logText());
                assertTrue(stored.blobSize(Digest.parse(bad.digest())) < 0);

                assertTrue(new Quarantines(stored)
                        .release(Digest.parse(bad.digest()))
                        .isPresent());
                RegistryClient.Response released = client.getBlob(REPO, bad.digest());
                assertEquals(200, released.status(), released.toString());
                assertEquals(bad.digest(), released.sha256());
                assertEquals(1, upstream.requestCount("GET", "/blobs/" + bad.digest()), "fetched once");
            }
        }
    }
}
