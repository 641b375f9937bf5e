package dev.registrycache.supervisor;

import dev.registrycache.common.settings.PeerAddress;
import dev.registrycache.gateway.peers.PeerRing;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Replicas of the whole stack ({@code java -jar registry-cache.jar} each) on loopback, as a
 * Kubernetes Deployment's pods without the cluster: a static list of their peer ports, one pull
 * secret and one peer secret in the test's folder, each replica its own log folder. They share
 * the data folder {@link #sharedData()} unless a replica's environment says otherwise (ReplicasIT:
 * a ReadWriteMany volume; ReplicasOnS3IT: a bucket, and a data folder each). Closing kills every
 * replica with its children, also when the test failed.
 */
final class Replicas implements AutoCloseable {
    static final String SECRET = "the replicas' shared secret, for tests";
    private static final Duration READY = Duration.ofSeconds(90);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final Path dir;
    private final WholeStack.Starter starter = new WholeStack.Starter();

    /** One replica: its supervisor, every line it printed, its public port and its peer port. */
    record Replica(Process process, List<String> lines, int port, int peerPort) {
        boolean printed(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }

        String base() {
            return "http://127.0.0.1:" + port;
        }

        PeerAddress peer() {
            return new PeerAddress("127.0.0.1", peerPort);
        }

        /** {@code kill -9} of the replica's processes: nothing of it stops cleanly. */
        void kill() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** Replicas with their secrets in {@code dir}; the pull secret names quay.io. */
    Replicas(Path dir) throws IOException {
        this.dir = dir;
        Files.writeString(dir.resolve("peer-secret"), SECRET);
        Files.writeString(dir.resolve("pull-secret.json"), "{\"auths\":{\"quay.io\":{}}}");
    }

    /** The data folder the replicas share unless told otherwise. */
    Path sharedData() {
        return dir.resolve("shared-data");
    }

    /**
     * Starts {@code n} replicas that know each other, quay.io's upstream at {@code upstream}, each
     * with its {@link #env} and then {@code extra.apply(index)}, and waits until every one is ready.
     */
    List<Replica> start(int n, String upstream, IntFunction<Map<String, String>> extra) throws IOException {
        int[] ports = new int[n];
        int[] peerPorts = new int[n];
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ports[i] = FreePort.pick();
            peerPorts[i] = FreePort.pick();
            peers.add("127.0.0.1:" + peerPorts[i]);
        }
        List<Replica> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, String> env = env("logs-" + i, ports[i], peerPorts[i], String.join(",", peers), upstream);
            env.putAll(extra.apply(i));
            all.add(start(env));
        }
        for (Replica r : all) {
            awaitReady(r);
        }
        return all;
    }

    /** Starts one replica with {@code env} (whose PORT and PEER_PORT it reports), not waiting for it. */
    Replica start(Map<String, String> env) throws IOException {
        WholeStack.Stack stack = starter.start(false, env);
        return new Replica(stack.process(), stack.lines(), stack.port(), Integer.parseInt(env.get("PEER_PORT")));
    }

    static void awaitReady(Replica r) {
        Await.until(
                "replica ready", READY, () -> r.printed("registry-cache ready"), () -> String.join("\n", r.lines()));
    }

    /**
     * The environment of one replica: the shared pull secret, peer secret and data folder, its own
     * log folder {@code logs}, its ports, the peer list {@code peers}, no certificate (plain HTTP).
     */
    Map<String, String> env(String logs, int port, int peerPort, String peers, String upstream) {
        Map<String, String> env = new HashMap<>();
        env.put("PULL_SECRET", dir.resolve("pull-secret.json").toString());
        env.put("DATA_DIR", sharedData().toString());
        env.put("LOG_DIR", dir.resolve(logs).toString());
        env.put("PORT", Integer.toString(port));
        env.put("CERTS", dir.resolve("no-certs.pem").toString());
        env.put("UPSTREAM_ENDPOINTS", "quay.io=" + upstream);
        env.put("PEERS", peers);
        env.put("PEER_PORT", Integer.toString(peerPort));
        env.put("PEER_SECRET_FILE", dir.resolve("peer-secret").toString());
        return env;
    }

    /** The replica that owns {@code digest}, as every replica of {@code replicas} reckons it. */
    static Replica owner(List<Replica> replicas, String digest) {
        PeerRing ring = new PeerRing(
                replicas.get(0).peer(),
                PeerRing.staticList(replicas.stream().map(Replica::peer).toList()),
                Clock.systemUTC());
        return replicas.stream()
                .filter(r -> r.peer().equals(ring.owner(digest)))
                .findFirst()
                .orElseThrow();
    }

    /**
     * GETs a blob through a replica's public port, following it to the end, and returns its sha256
     * digest; a broken transfer is tried again, up to {@code attempts} in all. {@code progress}
     * (may be null) counts the bytes received.
     */
    static String pullBlob(Replica via, String repository, String digest, int attempts, AtomicLong progress)
            throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            try {
                HttpResponse<InputStream> r = HTTP.send(
                        HttpRequest.newBuilder(
                                        URI.create(via.base() + "/v2/quay.io/" + repository + "/blobs/" + digest))
                                .timeout(Duration.ofMinutes(3))
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() != 200) {
                    r.body().close();
                    throw new IOException("HTTP " + r.statusCode());
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buffer = new byte[64 * 1024];
                try (InputStream in = r.body()) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        sha.update(buffer, 0, n);
                        if (progress != null) {
                            progress.addAndGet(n);
                        }
                    }
                }
                String got = "sha256:" + HexFormat.of().formatHex(sha.digest());
                if (!got.equals(digest)) {
                    throw new IOException("served " + got + " for " + digest); // a complete, wrong answer: never
                }
                return got;
            } catch (IOException e) {
                last = e;
                Thread.sleep(500); // a client's pause before it tries a broken transfer again, as podman's
            }
        }
        throw new AssertionError("no complete transfer of " + digest + " in " + attempts + " attempts", last);
    }

    /** A replica's {@code /metrics}. */
    static String metrics(Replica r) throws IOException, InterruptedException {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(r.base() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    @Override
    public void close() throws InterruptedException {
        starter.close();
    }
}
