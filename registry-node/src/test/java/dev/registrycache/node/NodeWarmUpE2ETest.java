package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.http.WarmUp;
import dev.registrycache.common.store.StoreLayout;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.TempFolders;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The warm-up after a start: synthetic cold downloads through a throwaway copy of the node, which
 * leave nothing in the real node (its datastore, access log, metrics) nor on disk, and end as
 * soon as a real request for a repository arrives.
 */
class NodeWarmUpE2ETest {
    private static final long MIB = 1 << 20;

    /** An upstream nobody listens on: the real node never needs it here. */
    private static String nowhere() {
        return "http://127.0.0.1:" + FreePort.pick();
    }

    @Test
    void warmsUpThroughAThrowawayNodeAndLeavesNoTrace() throws Exception {
        Set<Path> before = TempFolders.startingWith(WarmUp.FOLDER_PREFIX);
        try (NodeFixture node = new NodeFixture("quay.io", nowhere(), null)) {
            long moved = node.warmUp(96 * MIB).ended().get(120, TimeUnit.SECONDS);

            assertTrue(moved >= 96 * MIB, "moved " + moved + " bytes through the throwaway node");
            Path blobs = new StoreLayout(node.dataDir).blobsRoot();
            assertFalse(Files.exists(blobs) && listed(blobs) > 0, "nothing stored in the real datastore");
            assertFalse(Files.exists(node.accessLog()) && Files.size(node.accessLog()) > 0, "no access log lines");
            String metrics = get(node, "/metrics").body();
            assertTrue(
                    metrics.contains("registry_cache_upstream_blob_bytes_total{registry=\"quay.io\"} 0\n"),
                    "no upstream bytes counted:\n" + metrics);
            assertEquals(
                    Set.of(),
                    TempFolders.newSince(before, WarmUp.FOLDER_PREFIX),
                    "the throwaway node's folder is removed");
        }
    }

    @Test
    void theWarmUpWaitsUntilNoRequestCameForAWhile() throws Exception {
        try (NodeFixture node = new NodeFixture("quay.io", nowhere(), null)) {
            WarmUp.Progress warmUp = node.warmUp(32 * MIB, java.time.Duration.ofSeconds(5));
            for (int i = 0; i < 30; i++) { // a client probing GET /v2/ every 100 ms for 3 s
                get(node, "/v2/");
                Thread.sleep(100);
                // (not by /tmp's listing: other test runs on the machine warm up there too)
                assertFalse(warmUp.begun().get(), "not even begun: no throwaway node while requests come");
                assertEquals(0, warmUp.moved().get());
                assertFalse(warmUp.ended().isDone());
            }

            assertEquals(32 * MIB, warmUp.ended().get(120, TimeUnit.SECONDS), "once the probes stopped");
        }
    }

    @Test
    void aRealRequestEndsTheWarmUp() throws Exception {
        try (NodeFixture node = new NodeFixture("quay.io", nowhere(), null)) {
            WarmUp.Progress warmUp = node.warmUp(1L << 40);
            Await.until(
                    "a first synthetic transfer",
                    () -> warmUp.moved().get() > 0 || warmUp.ended().isDone());
            assertFalse(warmUp.ended().isDone(), "a terabyte takes a while");

            get(node, "/v2/quay.io/team/app/manifests/v1"); // answered with an error: the upstream is down

            long moved = warmUp.ended().get(60, TimeUnit.SECONDS);
            assertTrue(moved > 0 && moved < 1L << 40, "ended early after " + moved + " bytes");
        }
    }

    private static HttpResponse<String> get(NodeFixture node, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + node.hostPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static long listed(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).count();
        }
    }
}
