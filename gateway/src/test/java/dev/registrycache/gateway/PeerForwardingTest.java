package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.http.ByteRange;
import dev.registrycache.common.http.StoredBlobs;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.PeerAddress;
import dev.registrycache.gateway.peers.PeerAuth;
import dev.registrycache.gateway.peers.PeerRing;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica in-process, whose peer list makes a fake replica in the test the owner of the blobs
 * asked for: one that never answers, freezes mid-blob, sends wrong or truncated bytes, or the
 * right ones. A small Jetty server stands in for this replica's node, with the right bytes.
 */
class PeerForwardingTest {
    private static final String REPOSITORY = "/v2/quay.io/team/app/blobs/";

    @TempDir
    Path dir;

    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final List<String> nodeRequests = new CopyOnWriteArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private Server node;
    private FakeOwner owner;
    private PeerAddress self;
    private GatewayServer gateway;

    /** What the client got: the status, the body (null when the transfer broke off) and the headers. */
    record Got(int status, byte[] body, java.net.http.HttpHeaders headers) {
        /** The body's digest, or what broke it off: short enough for an assertion's message. */
        String digest() {
            return body == null ? "a broken transfer" : Digest.sha256Of(body).toString();
        }
    }

    @BeforeEach
    void start() throws Exception {
        node = new Server();
        ServerConnector connector = new ServerConnector(node);
        connector.setHost("127.0.0.1");
        node.addConnector(connector);
        node.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = request.getHttpURI().getPath();
                nodeRequests.add(path);
                byte[] blob = blobs.get(path.substring(path.lastIndexOf('/') + 1));
                if (blob == null) {
                    Response.writeError(request, response, callback, 404);
                    return true;
                }
                ByteRange range = ByteRange.parse(request.getHeaders().get(HttpHeader.RANGE), blob.length);
                StoredBlobs.start(response, Digest.sha256Of(blob), range, blob.length);
                int first = range == null ? 0 : (int) range.first();
                int length = range == null ? blob.length : (int) range.length();
                response.write(true, ByteBuffer.wrap(blob, first, length), callback);
                return true;
            }
        });
        node.start();
        owner = new FakeOwner();
        self = new PeerAddress("127.0.0.1", FreePort.pick());
        gateway = gateway();
    }

    /** This replica, with the fake one in its peer list. */
    private GatewayServer gateway() throws Exception {
        Path secret = Files.writeString(dir.resolve("peer-secret"), "a secret the replicas share");
        Map<String, String> env = Map.of(
                "PEERS", self.id() + "," + owner.peer().id(),
                "PEER_PORT", Integer.toString(self.port()),
                "PEER_SELF", self.id(),
                "PEER_SECRET_FILE", secret.toString());
        return new GatewayServer(LoopbackGateways.inFrontOf(
                        "quay.io",
                        ((ServerConnector) node.getConnectors()[0]).getLocalPort(),
                        dir.resolve("no-certs.pem"),
                        dir.resolve("data"),
                        dir.resolve("logs"),
                        env))
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        try (FakeOwner o = owner) {
            gateway.close();
        } finally {
            node.stop();
        }
    }

    /** A blob of {@code size} bytes that the fake replica owns, known to this replica's node. */
    private byte[] blobOwnedByTheFake(int size) {
        PeerRing ring = new PeerRing(self, PeerRing.staticList(List.of(self, owner.peer())), Clock.systemUTC());
        Random random = new Random(size);
        while (true) {
            byte[] blob = new byte[size];
            random.nextBytes(blob);
            Digest digest = Digest.sha256Of(blob);
            if (ring.owner(digest.toString()).equals(owner.peer())) {
                blobs.put(digest.toString(), blob);
                return blob;
            }
        }
    }

    private static String path(byte[] blob) {
        return REPOSITORY + Digest.sha256Of(blob);
    }

    /** Makes the fake owner an impostor: it answers {@code blob} with the byte at {@code index} flipped. */
    private void ownerAnswersWithOneByteFlipped(byte[] blob, int index) {
        byte[] wrong = blob.clone();
        wrong[index] ^= 1;
        owner.answer = head -> ok(wrong, wrong.length);
    }

    private static byte[] ok(byte[] body, int length) {
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" + StoredBlobs.CACHE_HEADER
                        + ": hit\r\nContent-Length: " + length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private Got get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(60));
        if (headers.length > 0) {
            b.headers(headers);
        }
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = r.body()) {
            in.transferTo(body);
        } catch (IOException broken) {
            return new Got(r.statusCode(), null, r.headers());
        }
        return new Got(r.statusCode(), body.toByteArray(), r.headers());
    }

    private String metrics() throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private String forwards(String result) throws Exception {
        return metrics()
                .lines()
                .filter(l -> l.startsWith("registry_cache_peer_forwards_total{peer=\""
                        + owner.peer().id() + "\",result=\"" + result + "\"}"))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .findFirst()
                .orElse("0");
    }

    @Test
    void aFrozenOwnerIsPassedByWithinSecondsAndTheBlobComesFromThisReplicasNode() throws Exception {
        byte[] blob = blobOwnedByTheFake(100_000);
        owner.answer = head -> null; // accepts, and never answers

        // a 60 s bound on the answer, where the owner used to hold it for 300 s
        Got got = get(path(blob));

        assertEquals(200, got.status());
        assertEquals(Digest.sha256Of(blob).toString(), got.digest());
        assertEquals(1, owner.blobRequests.size(), "asked the owner first");
        assertEquals(List.of(path(blob)), nodeRequests, "then the node here");
        assertEquals("1", forwards("failed"), "the owner is marked down");
    }

    @Test
    void anOwnerFrozenInTheMiddleOfABlobBreaksTheTransferAndIsLeftOut() throws Exception {
        byte[] blob = blobOwnedByTheFake(4 << 20);
        owner.answer = head -> ok(Arrays.copyOf(blob, 1 << 20), blob.length);
        owner.hangAfterAnswer = true;

        // the idle timeout of peer requests breaks the transfer, where the owner used to hold it for 300 s
        Got got = assertTimeoutPreemptively(Duration.ofSeconds(200), () -> get(path(blob)));

        assertEquals(200, got.status());
        assertEquals("a broken transfer", got.digest(), "a broken transfer, which the client retries");
        assertEquals("1", forwards("failed"));
        Got retry = get(path(blob));
        assertEquals(
                Digest.sha256Of(blob).toString(), retry.digest(), "the retry goes to another replica: the node here");
    }

    @Test
    void anImpostorsWrongBytesNeverMakeACompleteAnswerToAWholeBlobOrARange() throws Exception {
        byte[] blob = blobOwnedByTheFake(2 << 20);
        ownerAnswersWithOneByteFlipped(blob, blob.length - 1);

        Got whole = get(path(blob));
        assertEquals(200, whole.status());
        assertEquals(
                "a broken transfer",
                whole.digest(),
                "bytes went out before the owner's were known to be wrong: the transfer breaks");
        Got retry = get(path(blob));
        assertEquals(
                Digest.sha256Of(blob).toString(),
                retry.digest(),
                "the owner is left out: the retry gets the blob from the node here");
        assertEquals("1", forwards("invalid"));
    }

    @Test
    void anImpostorsWrongBytesInARangeNeverCompleteIt() throws Exception {
        byte[] blob = blobOwnedByTheFake(2 << 20);
        ownerAnswersWithOneByteFlipped(blob, 1_000_000);

        Got range = get(path(blob), "Range", "bytes=1000-1999999");
        assertEquals(206, range.status());
        assertEquals(
                "a broken transfer",
                range.digest(),
                "the range's last bytes wait for the whole blob's digest, which is wrong");
        assertEquals("1", forwards("invalid"));
        assertTrue(owner.blobRequests.get(0).toLowerCase().indexOf("\nrange:") < 0, "the owner is asked for all");
    }

    @Test
    void wrongBytesFoundOutBeforeAnyWentOutAreReplacedByTheBlobFromTheNextReplica() throws Exception {
        byte[] small = blobOwnedByTheFake(1000);
        ownerAnswersWithOneByteFlipped(small, 10);
        Got got = get(path(small));
        assertEquals(200, got.status());
        assertEquals(Digest.sha256Of(small).toString(), got.digest());
        assertEquals("1", forwards("invalid"));
    }

    @Test
    void aRangeOfWrongBytesHeldBackWholeIsReplacedByTheRightRange() throws Exception {
        byte[] blob = blobOwnedByTheFake(2 << 20);
        ownerAnswersWithOneByteFlipped(blob, 50);
        Got got = get(path(blob), "Range", "bytes=0-99");
        assertEquals(206, got.status());
        assertArrayEquals(Arrays.copyOf(blob, 100), got.body());
        assertEquals(
                "bytes 0-99/" + blob.length,
                got.headers().firstValue("Content-Range").orElseThrow());
    }

    @Test
    void aTruncatedBlobWithAMatchingContentLengthIsNotTheBlob() throws Exception {
        byte[] blob = blobOwnedByTheFake(5000);
        owner.answer = head -> ok(Arrays.copyOf(blob, blob.length - 10), blob.length - 10);
        Got got = get(path(blob));
        assertEquals(200, got.status());
        assertEquals(Digest.sha256Of(blob).toString(), got.digest());
        assertEquals("1", forwards("invalid"));
    }

    @Test
    void theOwnersRedirectToTheBlobsUrlInTheBucketReachesTheClient() throws Exception {
        byte[] blob = blobOwnedByTheFake(1 << 20);
        String url = "http://127.0.0.1:9/bucket/docker/registry/v2/blobs/data?X-Amz-Signature=00";
        owner.answer = head -> ("HTTP/1.1 307 Temporary Redirect\r\nLocation: " + url
                        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);

        Got got = get(path(blob));
        assertEquals(307, got.status());
        assertEquals(url, got.headers().firstValue("Location").orElseThrow());
        assertTrue(nodeRequests.isEmpty(), "the owner answered: " + nodeRequests);
        assertEquals("0", forwards("invalid"));
    }

    @Test
    void theOwnersRightBytesPassAsTheWholeBlobAndAsRanges() throws Exception {
        byte[] blob = blobOwnedByTheFake(2 << 20);
        owner.answer = head -> ok(blob, blob.length);

        Got whole = get(path(blob));
        assertEquals(200, whole.status());
        assertEquals(Digest.sha256Of(blob).toString(), whole.digest());
        assertEquals(
                Digest.sha256Of(blob).toString(),
                whole.headers().firstValue("Docker-Content-Digest").orElseThrow());
        assertEquals(
                "hit", whole.headers().firstValue(StoredBlobs.CACHE_HEADER).orElseThrow(), "the owner's store held it");

        Got range = get(path(blob), "Range", "bytes=10-19");
        assertEquals(206, range.status());
        assertArrayEquals(Arrays.copyOfRange(blob, 10, 20), range.body());
        assertEquals(
                "bytes 10-19/" + blob.length,
                range.headers().firstValue("Content-Range").orElseThrow());
        Got pastTheEnd = get(path(blob), "Range", "bytes=" + blob.length + "-");
        assertEquals(416, pastTheEnd.status());
        assertEquals(
                "bytes */" + blob.length,
                pastTheEnd.headers().firstValue("Content-Range").orElseThrow());
        assertEquals(3, owner.blobRequests.size());
        assertTrue(nodeRequests.isEmpty(), "served by the owner: " + nodeRequests);
        assertEquals("3", forwards("forwarded"));
    }

    @Test
    void aClientThatGoesAwayDoesNotGetTheOwnerLeftOut() throws Exception {
        byte[] blob = blobOwnedByTheFake(32 << 20);
        owner.answer = head -> ok(blob, blob.length);
        HttpResponse<InputStream> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path(blob)))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            in.readNBytes(1 << 20); // and goes away
        }
        Await.until("the gateway done with the request", Duration.ofSeconds(60), () -> {
            try {
                return metrics().contains("registry_cache_gateway_requests_total{code=\"200\"} 1");
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals("0", forwards("failed"));
    }

    @Test
    void aRequestCarryingThePeerHeaderIsNeverForwardedWhateverPortItCameIn() throws Exception {
        byte[] blob = blobOwnedByTheFake(1000);
        owner.answer = head -> ok(blob, blob.length);
        String signedLooking = "1700000000:" + "ab".repeat(32);

        Got got = get(path(blob), PeerAuth.HEADER, signedLooking);

        assertEquals(Digest.sha256Of(blob).toString(), got.digest());
        assertEquals(List.of(), owner.blobRequests, "never sent to the owner");
        assertEquals(List.of(path(blob)), nodeRequests, "served here");
    }

    @Test
    void anEntryThatAnswersAsAPublicPortIsLeftOutOfThePeers() throws Exception {
        gateway.close();
        owner.probeAnswer = "HTTP/1.1 200 OK\r\nDocker-Distribution-API-Version: registry/2.0\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n";
        gateway = gateway();
        byte[] blob = blobOwnedByTheFake(1000);
        owner.answer = head -> ok(blob, blob.length);

        Got got = get(path(blob));

        assertEquals(Digest.sha256Of(blob).toString(), got.digest());
        assertEquals(List.of(), owner.blobRequests, "never sent to a public port");
        assertEquals("0", forwards("forwarded"));
    }

    /**
     * A replica in the test, on a raw socket: it answers the peer-port probe with {@link
     * #probeAnswer} (as a peer port does: 403) and a blob GET with {@link #answer} (null: never),
     * then closes, or hangs with {@link #hangAfterAnswer}.
     */
    static final class FakeOwner implements AutoCloseable {
        final List<String> blobRequests = new CopyOnWriteArrayList<>();
        volatile Function<String, byte[]> answer = head -> null;
        volatile boolean hangAfterAnswer;
        volatile String probeAnswer = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final ExecutorService threads = Executors.newCachedThreadPool();

        FakeOwner() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.execute(this::accept);
        }

        PeerAddress peer() {
            return new PeerAddress("127.0.0.1", server.getLocalPort());
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    threads.execute(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try {
                String head = readHead(s.getInputStream());
                byte[] out;
                boolean hang = false;
                if (head.startsWith("GET /v2/ ")) {
                    out = probeAnswer.getBytes(StandardCharsets.US_ASCII);
                } else {
                    blobRequests.add(head);
                    out = answer.apply(head);
                    hang = out == null || hangAfterAnswer;
                }
                if (out != null) {
                    s.getOutputStream().write(out);
                    s.getOutputStream().flush();
                }
                if (!hang) {
                    s.close();
                }
            } catch (IOException e) {
                // the gateway went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                head.append((char) b);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
            threads.shutdownNow();
        }
    }
}
