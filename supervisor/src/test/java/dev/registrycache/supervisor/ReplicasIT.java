package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.gateway.peers.PeerAuth;
import dev.registrycache.gateway.peers.PeerRing;
import dev.registrycache.supervisor.Replicas.Replica;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scaling out without Kubernetes: several whole stacks ({@code java -jar registry-cache.jar}) on
 * loopback share one data folder, as pods share a ReadWriteMany volume, with a static peer list.
 */
@Tag("e2e")
class ReplicasIT {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** Replicas with their secrets in {@code dir}, killed after the test. */
    private Replicas replicas(Path dir) throws IOException {
        Replicas replicas = new Replicas(dir);
        closeables.add(replicas);
        return replicas;
    }

    @Test
    void thirtyClientsOverThreeReplicasCauseOneUpstreamGetPerBlobAndALateReplicaServesThemFromTheSharedStore(
            @TempDir Path dir) throws Exception {
        UpstreamRegistry upstream = UpstreamRegistry.plain();
        closeables.add(upstream);
        Image image =
                OciImages.image().oci().seed(71).layers(4).layerSize(300_000).build();
        upstream.push(image, "team/app", "v1");
        Replicas stacks = replicas(dir);
        List<Replica> replicas = stacks.start(3, upstream.baseUrl(), i -> Map.of());

        ExecutorService clients = Executors.newFixedThreadPool(30);
        try {
            List<Future<String>> pulls = new ArrayList<>();
            for (int c = 0; c < 30; c++) {
                Replica via = replicas.get(c % 3);
                for (String digest : image.layerDigests()) {
                    pulls.add(clients.submit(() -> Replicas.pullBlob(via, "team/app", digest, 1, null)));
                }
                pulls.add(clients.submit(
                        () -> Replicas.pullBlob(via, "team/app", image.config().digest(), 1, null)));
            }
            for (Future<String> f : pulls) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdownNow();
        }
        List<String> blobs = new ArrayList<>(image.layerDigests());
        blobs.add(image.config().digest());
        for (String digest : blobs) {
            assertEquals(1, upstream.requestCount("GET", "/blobs/" + digest), digest + ": " + upstream.requests());
        }
        StringBuilder metrics = new StringBuilder();
        for (Replica r : replicas) {
            metrics.append(Replicas.metrics(r));
        }
        assertTrue(
                metrics.toString()
                        .matches(
                                "(?s).*registry_cache_peer_forwards_total\\{peer=\"127\\.0\\.0\\.1:\\d+\",result=\"forwarded\"} [1-9].*"),
                "the replicas forwarded to the owners: " + metrics);

        // a replica started later serves them from the shared store, without the upstream
        int port = FreePort.pick();
        int peerPort = FreePort.pick();
        Replica late = stacks.start(stacks.env(
                "logs-late",
                port,
                peerPort,
                "127.0.0.1:" + peerPort + "," + replicas.get(0).peer().id(),
                upstream.baseUrl()));
        Replicas.awaitReady(late);
        int before = upstream.requests().size();
        for (String digest : blobs) {
            assertEquals(digest, Replicas.pullBlob(late, "team/app", digest, 1, null));
        }
        assertEquals(before, upstream.requests().size(), "no upstream request: " + upstream.requests());
    }

    @Test
    void thePeerPortAnswersSignedRequestsOnlyAndNeverForwardsThem(@TempDir Path dir) throws Exception {
        UpstreamRegistry upstream = UpstreamRegistry.plain();
        closeables.add(upstream);
        Image image =
                OciImages.image().oci().seed(72).layers(1).layerSize(100_000).build();
        upstream.push(image, "team/app", "v1");
        Replicas stacks = replicas(dir);
        List<Replica> replicas = stacks.start(2, upstream.baseUrl(), i -> Map.of());
        String digest = image.layerDigests().get(0);
        String path = "/v2/quay.io/team/app/blobs/" + digest;
        URI peerUri = URI.create("http://127.0.0.1:" + replicas.get(0).peerPort() + path);

        HttpResponse<String> anonymous =
                http.send(HttpRequest.newBuilder(peerUri).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, anonymous.statusCode(), anonymous.body());
        PeerAuth wrong =
                new PeerAuth("not the replicas' secret at all".getBytes(StandardCharsets.UTF_8), Clock.systemUTC());
        HttpResponse<String> forged = http.send(
                HttpRequest.newBuilder(peerUri)
                        .header(PeerAuth.HEADER, wrong.sign("GET", path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, forged.statusCode(), forged.body());
        PeerAuth right = new PeerAuth(Replicas.SECRET.getBytes(StandardCharsets.UTF_8), Clock.systemUTC());
        HttpResponse<String> replayedElsewhere = http.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + replicas.get(0).peerPort() + "/metrics"))
                        .header(PeerAuth.HEADER, right.sign("GET", path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, replayedElsewhere.statusCode(), "a signature is good for its own request line only");
        String metrics = Replicas.metrics(replicas.get(0));
        assertTrue(metrics.contains("registry_cache_peer_requests_total{result=\"refused\"} 3"), metrics);
        assertEquals(0, upstream.requestCount("GET", "/blobs/" + digest));

        // a request carrying the peer header on a public port is served there, never forwarded:
        // a blob that replica 0 owns, asked of replica 1's public port, never reaches replica 0
        PeerRing ring = new PeerRing(
                replicas.get(1).peer(),
                PeerRing.staticList(
                        List.of(replicas.get(0).peer(), replicas.get(1).peer())),
                Clock.systemUTC());
        Image owned =
                OciImages.image().oci().seed(720).layers(1).layerSize(50_000).build();
        for (long seed = 721;
                !ring.owner(owned.layerDigests().get(0)).equals(replicas.get(0).peer());
                seed++) {
            owned = OciImages.image()
                    .oci()
                    .seed(seed)
                    .layers(1)
                    .layerSize(50_000)
                    .build();
        }
        upstream.push(owned, "team/owned", "v1");
        String ownedPath =
                "/v2/quay.io/team/owned/blobs/" + owned.layerDigests().get(0);
        HttpResponse<byte[]> notForwarded = http.send(
                HttpRequest.newBuilder(URI.create(replicas.get(1).base() + ownedPath))
                        .header(PeerAuth.HEADER, right.sign("GET", ownedPath))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, notForwarded.statusCode());
        String metrics0 = Replicas.metrics(replicas.get(0));
        assertFalse(
                metrics0.contains("registry_cache_peer_requests_total{result=\"accepted\"}"),
                "replica 1 forwarded it to replica 0");

        // a replica whose static list names another's public port is refused at start
        int port = FreePort.pick();
        int peerPort = FreePort.pick();
        String publicPort = "127.0.0.1:" + replicas.get(0).port();
        Replica refused = stacks.start(stacks.env(
                "logs-refused", port, peerPort, "127.0.0.1:" + peerPort + "," + publicPort, upstream.baseUrl()));
        List<String> lines = refused.lines();
        assertTrue(refused.process().waitFor(60, TimeUnit.SECONDS), "the start is refused, not served");
        assertEquals(2, refused.process().exitValue(), String.join("\n", lines));
        Await.until(
                "the refusal's message",
                Duration.ofSeconds(10),
                () -> lines.stream()
                        .anyMatch(l -> l.contains("PEERS: " + publicPort + " answers as a registry's public port")));

        // a signed request is served by that replica itself, whoever owns the digest
        HttpResponse<byte[]> signed = http.send(
                HttpRequest.newBuilder(peerUri)
                        .header(PeerAuth.HEADER, right.sign("GET", path))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, signed.statusCode());
        assertEquals(
                digest,
                "sha256:"
                        + HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(signed.body())));
        assertEquals(1, upstream.requestCount("GET", "/blobs/" + digest));
    }

    @Test
    void killingTheOwnerInTheMiddleOfA256MibPullLetsEveryClientFinishThroughRetries(@TempDir Path dir)
            throws Exception {
        UpstreamRegistry upstream = UpstreamRegistry.plain();
        closeables.add(upstream);
        Image image = OciImages.image()
                .oci()
                .seed(73)
                .layers(1)
                .layerSize(256L << 20)
                .storeIn(dir.resolve("image"))
                .build();
        upstream.push(image, "team/app", "v1");
        // the upstream at 40 MB/s, so that the owner is killed while it still fetches
        ThrottledRelay slow = new ThrottledRelay(upstream.port(), 40_000_000);
        closeables.add(slow);
        Replicas stacks = replicas(dir);
        List<Replica> replicas = stacks.start(3, "http://127.0.0.1:" + slow.port(), i -> Map.of());
        String digest = image.layerDigests().get(0);
        Replica owner = Replicas.owner(replicas, digest);
        List<Replica> others = replicas.stream().filter(r -> r != owner).toList();

        ExecutorService clients = Executors.newFixedThreadPool(4);
        AtomicLong received = new AtomicLong();
        try {
            List<Future<String>> pulls = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                Replica via = others.get(c % others.size());
                pulls.add(clients.submit(() -> Replicas.pullBlob(via, "team/app", digest, 10, received)));
            }
            Await.until("bytes flowing through the owner", Duration.ofSeconds(60), () -> received.get() > 20L << 20);
            owner.kill();
            for (Future<String> f : pulls) {
                assertEquals(digest, f.get(5, TimeUnit.MINUTES));
            }
        } finally {
            clients.shutdownNow();
        }
        assertTrue(upstream.requestCount("GET", "/blobs/" + digest) >= 2, "the next owner fetched it again");
        // what is stored under the digest is the blob: nothing partial or corrupt was published
        Path stored = stacks.sharedData()
                .resolve("docker/registry/v2/blobs/sha256/" + digest.substring(7, 9) + "/" + digest.substring(7)
                        + "/data");
        assertTrue(Files.isRegularFile(stored));
        try (InputStream in = Files.newInputStream(stored)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[1 << 16];
            int n;
            while ((n = in.read(b)) > 0) {
                sha.update(b, 0, n);
            }
            assertEquals(digest, "sha256:" + HexFormat.of().formatHex(sha.digest()));
        }
    }

    @Test
    void exactlyOneReplicaCleansAndAKilledHoldersLeasePassesToAnother(@TempDir Path dir) throws Exception {
        UpstreamRegistry upstream = UpstreamRegistry.plain();
        closeables.add(upstream);
        // a term long enough that a holder starved of CPU on a busy CI machine still renews in time
        List<Replica> replicas = replicas(dir)
                .start(3, upstream.baseUrl(), i -> Map.of("CLEANER_RUNEVERY_TIME", "1s", "CLEANER_LEASE_TERM", "8s"));
        Await.until(
                "a replica taking the cleaner lease",
                Duration.ofSeconds(60),
                () -> replicas.stream().anyMatch(r -> r.printed("cleaner lease taken")));
        // time passing, longer than the term: the others ask again and still wait (they print nothing
        // new when they do, so there is no condition to wait on)
        Thread.sleep(9000);
        List<Replica> holders =
                replicas.stream().filter(r -> r.printed("cleaner lease taken")).toList();
        assertEquals(1, holders.size(), "exactly one replica cleans");
        Replica holder = holders.get(0);
        assertTrue(replicas.stream()
                .filter(r -> r != holder)
                .allMatch(r -> r.printed("another replica holds the cleaner lease")));
        holder.kill();
        Await.until(
                "another replica taking the lease of the killed one",
                Duration.ofSeconds(60),
                () -> replicas.stream().anyMatch(r -> r != holder && r.printed("cleaner lease taken")));
        Thread.sleep(2000); // time for a second replica to take the lease too, were it able to
        assertEquals(
                1,
                replicas.stream()
                        .filter(r -> r != holder && r.printed("cleaner lease taken"))
                        .count());
    }

    /** A TCP relay to a local port that sends the answers back at most {@code bytesPerSecond}. */
    static final class ThrottledRelay implements AutoCloseable {
        private final ServerSocket server;
        private final int target;
        private final long bytesPerSecond;
        private final ExecutorService threads = Executors.newCachedThreadPool();

        ThrottledRelay(int target, long bytesPerSecond) throws IOException {
            this.server = new ServerSocket();
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            this.target = target;
            this.bytesPerSecond = bytesPerSecond;
            threads.execute(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket("127.0.0.1", target);
                    threads.execute(() -> copy(client, upstream, Long.MAX_VALUE));
                    threads.execute(() -> copy(upstream, client, bytesPerSecond));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void copy(Socket from, Socket to, long rate) {
            byte[] buffer = new byte[64 * 1024];
            long start = System.nanoTime();
            long sent = 0;
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                    sent += n;
                    long due = start + sent * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        // the relay's pace, a slow link's: not a wait for anything
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            } catch (IOException | InterruptedException e) {
                // either side closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
