package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Cold blobs through a node whose datastore cannot take them (no upload can be made for the
 * repository, as on a full disk): the bytes pass through the node's bounded memory only. Every
 * client must get the blob or a {@code 503} with {@code Retry-After}, never a {@code 500} or a
 * broken transfer, whatever other clients do: join late, or never read.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StorelessDownloadE2ETest {
    private static final String REPO = "team/app";
    private static final int BLOBS = 14;
    private static final int BLOB_BYTES = 8 << 20;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final ExecutorService clients = Executors.newCachedThreadPool();
    private UpstreamRegistry upstream;
    private Path work;
    private final List<String> digests = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        work = Files.createTempDirectory("storeless-");
        upstream = UpstreamRegistry.plain();
        byte[] bytes = new byte[BLOB_BYTES];
        for (int i = 0; i < BLOBS; i++) {
            new Random(100 + i).nextBytes(bytes);
            Path file = Files.write(work.resolve("blob-" + i), bytes);
            digests.add(upstream.pushBlob(REPO, file));
            Files.delete(file);
        }
    }

    @AfterAll
    void stop() throws Exception {
        clients.shutdownNow();
        try (UpstreamRegistry u = upstream) {
            NodeFixture.deleteTree(work);
        }
    }

    @Test
    void clientsTheMemoryHasMovedPastGetTheBlobOr503NeverA500() throws Exception {
        byte[] blob = new byte[24 << 20]; // the gated upstream sends half, far more than the memory keeps
        new Random(7).nextBytes(blob);
        Digest digest = Digest.sha256Of(blob);
        try (GatedBlobUpstream gated = new GatedBlobUpstream(digest, blob, Set.of(REPO));
                NodeFixture node = storelessNode(gated.baseUrl())) {
            String url = blobUrl(node, digest.toString());
            PatientBlobClient first = new PatientBlobClient(http, url, digest.toString());
            Future<List<String>> firstOutcome = clients.submit(first);
            Await.until("the first client has read 8 MiB", Duration.ofSeconds(60), () -> first.bytesRead() >= 8 << 20);
            List<PatientBlobClient> late = new ArrayList<>();
            List<Future<List<String>>> outcomes = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                PatientBlobClient client = new PatientBlobClient(http, url, digest.toString());
                late.add(client);
                outcomes.add(clients.submit(client));
            }
            Await.until(
                    "every late client has an answer",
                    Duration.ofSeconds(60),
                    () -> late.stream().allMatch(c -> c.answers() > 0));
            gated.release();
            outcomes.add(firstOutcome);
            assertEveryClientGotTheBlob(outcomes);
            assertFalse(Files.exists(node.dataDir.resolve(
                    "docker/registry/v2/blobs/sha256/" + digest.hex().substring(0, 2) + "/" + digest.hex() + "/data")));
        }
    }

    @Test
    void readersThatNeverReadHoldUpNoOtherDownload() throws Exception {
        try (NodeFixture node = storelessNode(upstream.baseUrl())) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    stalled.add(getWithoutReading(node, digests.get(i)));
                }
                for (int i = 0; i < 8; i++) {
                    String path = "/blobs/" + digests.get(i);
                    Await.until(
                            "the node downloads " + path,
                            Duration.ofSeconds(60),
                            () -> upstream.requestCount("GET", path) > 0);
                }
                List<Future<List<String>>> outcomes = new ArrayList<>();
                for (String digest : List.of(digests.get(8), digests.get(0))) {
                    outcomes.add(clients.submit(new PatientBlobClient(http, blobUrl(node, digest), digest)));
                }
                assertEveryClientGotTheBlob(outcomes);
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    @Test
    void manySlowlyReadDownloadsBeyondTheMemoryBudgetAllComplete() throws Exception {
        try (NodeFixture node = storelessNode(upstream.baseUrl())) {
            List<Future<List<String>>> outcomes = new ArrayList<>();
            for (String digest : digests) {
                outcomes.add(clients.submit(new PatientBlobClient(http, blobUrl(node, digest), digest, true)));
            }
            assertEveryClientGotTheBlob(outcomes);
        }
    }

    /** A node whose datastore cannot make an upload for {@link #REPO}: a file stands where its folder goes. */
    private static NodeFixture storelessNode(String upstreamUrl) throws Exception {
        NodeFixture node = new NodeFixture("quay.io", upstreamUrl, null);
        Path uploads = node.dataDir.resolve("docker/registry/v2/repositories/quay.io/" + REPO + "/_uploads");
        Files.createDirectories(uploads.getParent());
        Files.writeString(uploads, "in the way");
        return node;
    }

    private static String blobUrl(NodeFixture node, String digest) {
        return "http://" + node.hostPort() + "/v2/quay.io/" + REPO + "/blobs/" + digest;
    }

    /** A connection that asks for the blob and never reads the answer, with a receive buffer as small as it gets. */
    private static Socket getWithoutReading(NodeFixture node, String digest) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 10_000);
        OutputStream out = socket.getOutputStream();
        out.write(
                ("GET /v2/quay.io/" + REPO + "/blobs/" + digest + " HTTP/1.1\r\nHost: " + node.hostPort() + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    /** Each client's answers were 503s (with Retry-After) until the whole blob. */
    private static void assertEveryClientGotTheBlob(List<Future<List<String>>> outcomes) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Future<List<String>> f : outcomes) {
            List<String> seen = f.get(4, TimeUnit.MINUTES);
            boolean right = seen.get(seen.size() - 1).equals("ok")
                    && seen.subList(0, seen.size() - 1).stream().allMatch("503"::equals);
            if (!right) {
                wrong.add(seen.toString());
            }
        }
        assertEquals(List.of(), wrong, wrong.size() + " of " + outcomes.size() + " clients saw something else");
    }
}
