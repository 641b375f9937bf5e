package dev.registrycache.gateway;

import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What the README's client blocks are run against: one upstream holding the README's example
 * images ({@code docker.io/library/alpine:latest}, runnable, and {@code quay.io/podman/hello:latest}),
 * a node for each of the two registries, and two gateways on the nodes: one over TLS with
 * htpasswd (the README's {@code cache.example.com:8443}) and one on plain HTTP without
 * authentication (what {@code ./run.sh} serves at {@code localhost:8443}).
 */
final class ClientBlocksRig implements AutoCloseable {
    /** The cache's address in the README's blocks. */
    static final String README_HOST = "cache.example.com:8443";
    /** The address of {@code ./run.sh}'s plain-HTTP cache in the README's blocks. */
    static final String README_LOCAL = "localhost:8443";

    static final String GREETING = "hello from a registry-cache test image\n";
    static final TestCredentials USER = TestCredentials.of("puller", "s3cret-pull");

    private final Path work;
    private final UpstreamRegistry upstream;
    private final Image alpine;
    private final Image hello;
    private RegistryNode quay;
    private RegistryNode hub;
    private GatewayServer tls;
    private GatewayServer plain;
    private Path caFile;

    private ClientBlocksRig(Path work, UpstreamRegistry upstream) {
        this.work = work;
        this.upstream = upstream;
        this.alpine = OciImages.image()
                .docker()
                .seed(23)
                .layers(2)
                .layerSize(200_000)
                .runnable(GREETING)
                .build();
        this.hello =
                OciImages.image().oci().seed(24).layers(1).layerSize(50_000).build();
    }

    static ClientBlocksRig start() throws Exception {
        Tools.require("htpasswd");
        ClientBlocksRig rig =
                new ClientBlocksRig(Files.createTempDirectory("client-blocks-"), UpstreamRegistry.plain());
        try {
            rig.startCache();
            return rig;
        } catch (Exception | Error e) {
            rig.close();
            throw e;
        }
    }

    private void startCache() throws Exception {
        upstream.push(alpine, "library/alpine", "latest");
        upstream.push(hello, "podman/hello", "latest");
        Path data = work.resolve("data");
        Path logs = work.resolve("logs");
        quay = LoopbackNodes.start("quay.io", upstream.baseUrl(), data, logs);
        hub = LoopbackNodes.start("docker.io", upstream.baseUrl(), data, logs);
        Path htpasswd = work.resolve("htpasswd");
        Tools.runOrThrow(
                Duration.ofSeconds(30),
                List.of("htpasswd", "-Bbc", htpasswd.toString(), USER.username(), USER.password()));
        TestPki pki = new TestPki();
        caFile = pki.writeCaDir(work).resolve("ca.crt");
        List<String> nodes =
                List.of("quay.io=http://127.0.0.1:" + quay.port(), "docker.io=http://127.0.0.1:" + hub.port());
        tls = new GatewayServer(GatewayConfig.resolve(
                        "127.0.0.1",
                        "0",
                        pki.writeCertsPem(work, TestPki.KeyFormat.PKCS8_RSA).toString(),
                        data.toString(),
                        logs.toString(),
                        nodes,
                        Map.of("REGISTRY_AUTH", "htpasswd", "REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString())))
                .start();
        plain = new GatewayServer(GatewayConfig.resolve(
                        "127.0.0.1",
                        "0",
                        work.resolve("absent.pem").toString(),
                        data.toString(),
                        logs.toString(),
                        nodes,
                        Map.of()))
                .start();
    }

    /** Where the README says {@code cache.example.com:8443}: the TLS gateway with htpasswd. */
    String tlsHostPort() {
        return "127.0.0.1:" + tls.port();
    }

    /** Where the README says {@code localhost:8443}: the plain-HTTP gateway. */
    String plainHostPort() {
        return "localhost:" + plain.port();
    }

    Image alpine() {
        return alpine;
    }

    Image hello() {
        return hello;
    }

    /** The cache's CA certificate, as the README's blocks copy it ({@code ca.crt}). */
    Path caFile() {
        return caFile;
    }

    /** What the README writes as {@code <base64 of user:password>}. */
    String userBase64() {
        return USER.authField();
    }

    /** USERNAME and PASSWORD for the README's login blocks; {@code password} null: the right one. */
    Map<String, String> credentialsEnv(String password) {
        return Map.of("USERNAME", USER.username(), "PASSWORD", password == null ? USER.password() : password);
    }

    int upstreamBlobGets(String repository) {
        return upstream.requestCount("GET", "/" + repository + "/blobs/");
    }

    String upstreamLog() {
        return upstream.logText();
    }

    /** The access log of the node for {@code registry}. */
    String accessLog(String registry) {
        return Tools.printed(work.resolve("logs/node-" + registry + ".access.log"));
    }

    /**
     * Runs a README block that puts the cache's CA into {@code root}/{@code <host:port>}/ (a
     * system folder, as written), from a folder holding {@code ca.crt}; the returned handle
     * removes that host's folder again.
     */
    SystemCa installCa(String script, String root) throws IOException {
        Path hostDir = Path.of(root, tlsHostPort());
        if (Files.exists(hostDir)) {
            throw new IllegalStateException(hostDir + " exists already: not the test's to overwrite");
        }
        SystemCa handle = new SystemCa(hostDir);
        Path from = Files.createTempDirectory(work, "ca-");
        Files.copy(caFile, from.resolve("ca.crt"));
        Tools.run(Duration.ofSeconds(30), List.of("sh", "-ec", script), Map.of(), from)
                .orThrow();
        return handle;
    }

    /** A CA folder a test put into a system path; closing removes it. */
    record SystemCa(Path hostDir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            deleteTree(hostDir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    public void close() throws Exception {
        try (UpstreamRegistry u = upstream;
                RegistryNode q = quay;
                RegistryNode h = hub;
                GatewayServer t = tls;
                GatewayServer p = plain) {
            deleteTree(work);
        }
    }
}
