package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestStore;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crowd of clients reading a cold blob at once, through a node with the supervisor's memory
 * (64 MiB of direct memory): the buffers they are served through come out of a budget, so the
 * crowd gets the blob or {@code 503} with {@code Retry-After}, and requests that have nothing to
 * do with the crowd keep being answered.
 */
@Tag("e2e")
class ColdReaderCrowdE2ETest {
    private static final int CROWD = 300;

    @TempDir
    Path dir;

    /** Where the node keeps its datastore: its S3 variant overrides this. */
    TestStore store() {
        return TestStore.FILES;
    }

    @Test
    void aCrowdOfColdReadersGetsTheBlobOr503AndOtherRequestsAreServed() throws Exception {
        byte[] blob = new byte[1 << 20];
        new Random(11).nextBytes(blob);
        Digest digest = Digest.sha256Of(blob);
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        ExecutorService threads = Executors.newFixedThreadPool(CROWD);
        try (GatedBlobUpstream upstream = new GatedBlobUpstream(digest, blob, Set.of("team/app"));
                NodeProcess node = new NodeProcess(
                        upstream.baseUrl(), null, store().environment(dir.resolve("data")), dir.resolve("data"))) {
            String url = node.client().baseUrl() + "/v2/quay.io/team/app/blobs/" + digest;
            List<PatientBlobClient> crowd = new ArrayList<>();
            List<Future<List<String>>> outcomes = new ArrayList<>();
            for (int i = 0; i < CROWD; i++) {
                PatientBlobClient client = new PatientBlobClient(http, url, digest.toString());
                crowd.add(client);
                outcomes.add(threads.submit(client));
            }
            Await.until(
                    "every client of the crowd has an answer",
                    Duration.ofSeconds(60),
                    () -> crowd.stream().allMatch(c -> c.answers() > 0));
            RegistryClient.Response base = node.client().get("/v2/");
            assertEquals(200, base.status(), "an unrelated request during the crowd: " + base);
            upstream.release();
            List<String> wrong = new ArrayList<>();
            for (Future<List<String>> f : outcomes) {
                List<String> seen;
                try {
                    seen = f.get(5, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    throw new AssertionError(
                            "a client failed; the node (alive: " + node.isAlive() + ") printed:\n" + node.output(), e);
                }
                if (!seen.get(seen.size() - 1).equals("ok")
                        || !seen.subList(0, seen.size() - 1).stream().allMatch("503"::equals)) {
                    wrong.add(seen.toString());
                }
            }
            assertEquals(List.of(), wrong, wrong.size() + " of " + CROWD + " clients saw something else");
            assertEquals(1, upstream.blobGets(), "one download for the whole crowd");
            assertTrue(node.isAlive(), node.output());
            assertEquals(200, node.client().get("/v2/").status());
        } finally {
            threads.shutdownNow();
        }
    }
}
