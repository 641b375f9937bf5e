package dev.registrycache.node;

import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.Credentials;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.TestStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** A registry node started in-process in front of an upstream URL, with its own data and log dirs. */
final class NodeFixture implements AutoCloseable {
    final Path folder = createFolder();
    final Path dataDir = folder.resolve("data");
    final Path logDir = folder.resolve("logs");
    final RegistryHost registry;
    private final RegistryNode node;

    NodeFixture(String registry, String upstreamUrl, TestCredentials credentials) throws Exception {
        this(registry, upstreamUrl, credentials, null);
    }

    NodeFixture(String registry, String upstreamUrl, TestCredentials credentials, Path dataDir) throws Exception {
        this(registry, upstreamUrl, credentials, dataDir, TestStore.FILES);
    }

    /** A node over {@code store}, with DATA_DIR {@code dataDir} (null: its own). */
    NodeFixture(String registry, String upstreamUrl, TestCredentials credentials, Path dataDir, TestStore store)
            throws Exception {
        this.registry = RegistryHost.fromKey(registry);
        Optional<Credentials> creds = credentials == null
                ? Optional.empty()
                : Optional.of(new Credentials(credentials.username(), credentials.password()));
        Path data = dataDir == null ? this.dataDir : dataDir;
        NodeConfig config = LoopbackNodes.config(registry, upstreamUrl, creds, data, logDir, 0)
                .withStore(store.location(data));
        node = new RegistryNode(config);
        node.start();
    }

    int port() {
        return node.port();
    }

    /** Starts the node's warm-up ({@link RegistryNode#warmUp}). */
    dev.registrycache.common.http.WarmUp.Progress warmUp(long bytes) {
        return node.warmUp(bytes);
    }

    /** Starts the node's warm-up once no request has come for {@code quiet}. */
    dev.registrycache.common.http.WarmUp.Progress warmUp(long bytes, java.time.Duration quiet) {
        return node.warmUp(bytes, quiet);
    }

    String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** {@code docker://127.0.0.1:<port>/<prefix>/<repository>:<tag>} for skopeo. */
    String dockerRef(String repository, String tagOrDigest) {
        String sep = tagOrDigest.contains(":") ? "@" : ":";
        return "docker://" + hostPort() + "/" + registry.prefix() + "/" + repository + sep + tagOrDigest;
    }

    RegistryClient client() {
        return new RegistryClient("http://" + hostPort());
    }

    Path accessLog() {
        return new LogDirLayout(logDir).nodeAccessLog(registry);
    }

    /** The access log's lines once {@code condition} holds for them: the log is written on a thread of its own. */
    List<String> accessLogLines(Predicate<List<String>> condition) throws InterruptedException {
        List<List<String>> lines = new ArrayList<>(List.of(List.of()));
        Await.until("the access log has the lines expected", Duration.ofSeconds(60), () -> {
            try {
                lines.set(0, Files.exists(accessLog()) ? Files.readAllLines(accessLog()) : List.of());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return condition.test(lines.get(0));
        });
        return lines.get(0);
    }

    private static Path createFolder() {
        try {
            return Files.createTempDirectory("node-fixture-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            node.close();
        } finally {
            deleteTree(folder);
        }
    }
}
