package dev.registrycache.node;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A node in its own JVM with the memory the supervisor gives it ({@code ChildSpec.nodeOptions}:
 * a 128 MiB heap, and exit on {@code OutOfMemoryError}), in front of an upstream URL as
 * {@code quay.io}. What kills a supervised node kills this one, so a test can tell a node that
 * survived from one that was restarted.
 */
final class NodeProcess implements AutoCloseable {
    /** The supervisor's node options that matter for memory. */
    static final List<String> SUPERVISED_JVM = List.of(
            "-Xmx128m",
            "-Xms16m",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+UseSerialGC",
            "-Xss512k",
            "-XX:MaxDirectMemorySize=64m");

    private final Path folder;
    private final Path output;
    private final Path pullSecret;
    private final int port = FreePort.pick();
    private final Process process;

    /** An anonymous node. */
    NodeProcess(String upstreamUrl) throws Exception {
        this(upstreamUrl, null, Map.of());
    }

    /** A node with {@code credentials} (null: none) in its pull-secret entry and {@code env} added to its environment. */
    NodeProcess(String upstreamUrl, TestCredentials credentials, Map<String, String> env) throws Exception {
        this(upstreamUrl, credentials, env, null);
    }

    /** The same over the datastore {@code dataDir} (null: one of its own), which it leaves in place. */
    NodeProcess(String upstreamUrl, TestCredentials credentials, Map<String, String> env, Path dataDir)
            throws Exception {
        folder = Files.createTempDirectory("node-process-");
        output = folder.resolve("node.out");
        String entry = credentials == null ? "{}" : "{\"auth\":\"" + credentials.authField() + "\"}";
        Path secret = Files.writeString(folder.resolve("pull-secret.json"), "{\"auths\":{\"quay.io\":" + entry + "}}");
        pullSecret = secret;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(SUPERVISED_JVM);
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                NodeCommand.class.getName(),
                "--upstream",
                "quay.io",
                "--pull-secret",
                secret.toString(),
                "--port",
                Integer.toString(port),
                "--data-dir",
                (dataDir == null ? folder.resolve("data") : dataDir).toString(),
                "--log-dir",
                folder.resolve("logs").toString()));
        ProcessBuilder builder =
                Tools.processBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("UPSTREAM_ENDPOINTS", "quay.io=" + upstreamUrl);
        builder.environment().putAll(env);
        try {
            process = Tools.start(builder);
        } catch (IOException | RuntimeException e) {
            NodeFixture.deleteTree(folder);
            throw e;
        }
        try {
            awaitReady();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void awaitReady() {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
                .timeout(Duration.ofSeconds(2))
                .build();
        Await.until(
                "the node answering /v2/",
                Await.DEADLINE,
                () -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("node did not start (it ended):\n" + output());
                    }
                    try {
                        return http.send(probe, HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200;
                    } catch (ConnectException notYet) {
                        return false; // still starting
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException("node did not answer /v2/: " + e, e);
                    }
                },
                this::output);
    }

    RegistryClient client() {
        return new RegistryClient("http://127.0.0.1:" + port);
    }

    /** {@code docker://127.0.0.1:<port>/quay.io/<repository>:<tag>} for skopeo. */
    String dockerRef(String repository, String tag) {
        return "docker://127.0.0.1:" + port + "/quay.io/" + repository + ":" + tag;
    }

    /** The node's pull-secret file. */
    Path pullSecret() {
        return pullSecret;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** What the node printed: its log lines, and the JVM's last words if it died. */
    String output() {
        return Tools.printed(output);
    }

    @Override
    public void close() throws Exception {
        try {
            Tools.stop(process, Duration.ofSeconds(10));
        } finally {
            NodeFixture.deleteTree(folder);
        }
    }
}
