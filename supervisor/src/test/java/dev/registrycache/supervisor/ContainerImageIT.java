package dev.registrycache.supervisor;

import static dev.registrycache.supervisor.ContainerHost.podman;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Podman;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The single image, built from the jar under test and started with the README's deployment
 * steps (its shell blocks, with temporary folders, a free port and a unique name): pulls over TLS
 * with htpasswd, a restart that keeps the cache, a clean stop, and a clear error for a data
 * folder the image's uid cannot write. The upstream is a docker-registry with Basic auth, whose
 * credentials come from the mounted pull secret.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImageIT {
    private static final TestCredentials CLIENT = TestCredentials.of("puller", "pull-pass");
    private static final TestCredentials UPSTREAM_USER = TestCredentials.of("cache", "upstream-pass");
    private static final Duration READY = Duration.ofSeconds(90);

    private final Image image =
            OciImages.image().oci().seed(77).layers(2).layerSize(300_000).build();
    private final Skopeo skopeo = Skopeo.create();
    private final String name = ContainerHost.uniqueName("rc-e2e");
    private final List<String> containers = new ArrayList<>();
    private Path root;
    private ContainerHost.BridgeAnchor bridge;
    private UpstreamRegistry upstream;
    private int port;

    @BeforeAll
    void deployAsTheReadmeSays() throws Exception {
        Tools.require("htpasswd");
        Tools.require("openssl");
        ContainerHost.image();
        root = Files.createTempDirectory("rc-e2e-opt-");
        bridge = new ContainerHost.BridgeAnchor();
        upstream = UpstreamRegistry.withHtpasswdOn(bridge.address(), UPSTREAM_USER);
        upstream.push(image, "team/app", "v1");
        port = FreePort.pick();
        // step 4 of the README: the pull secret, here with the upstream's credentials for quay.io
        Files.writeString(
                root.resolve("pull-secret.json"),
                "{\"auths\":{\"quay.io\":{\"auth\":\"" + UPSTREAM_USER.authField() + "\"}}}");
        containers.add(name);
        runReadmeSteps(root, name, Map.of());
        awaitReady(name, 1);
    }

    @AfterAll
    void removeEverything() throws IOException {
        try {
            for (String c : containers) {
                ContainerHost.remove(c, Duration.ZERO);
            }
        } finally {
            try (UpstreamRegistry u = upstream;
                    ContainerHost.BridgeAnchor b = bridge) {
                deleteTree(root);
            }
        }
    }

    private void runReadmeSteps(Path folder, String container, Map<String, String> replace) {
        String script = ContainerHost.readmeDeployment(folder, CLIENT, true)
                .replace("--name registry-cache", "--name " + container)
                .replace("-p 8443:8443", "-p 127.0.0.1:" + port + ":8443")
                .replace("podman run -d", "podman run -d -e UPSTREAM_ENDPOINTS=quay.io=" + upstream.baseUrl())
                .replaceAll("(?m) registry-cache$", " " + ContainerHost.IMAGE);
        for (Map.Entry<String, String> e : replace.entrySet()) {
            script = script.replace(e.getKey(), e.getValue());
        }
        assertTrue(script.contains("podman run -d"), "the README's Deployment section starts the image: " + script);
        ProcessResult result = Tools.run(Duration.ofMinutes(3), List.of("bash", "-c", script), Map.of(), folder);
        assertTrue(result.succeeded(), "the README's steps failed: " + result.describe());
    }

    /** Waits for the supervisor's ready line number {@code starts} in the container's log (1: the first start). */
    private void awaitReady(String container, int starts) {
        Await.until(
                "ready line number " + starts + " of " + container,
                READY,
                () -> {
                    String logs = podman("logs", container).output();
                    if (logs.split("registry-cache ready in", -1).length - 1 >= starts) {
                        return true;
                    }
                    String state = podman("inspect", container, "--format", "{{.State.Status}}")
                            .stdoutText()
                            .strip();
                    assertNotEquals("exited", state, "the container exited before it was ready:\n" + logs);
                    return false;
                },
                () -> podman("logs", container).output());
    }

    private String reference() {
        return "docker://127.0.0.1:" + port + "/quay.io/team/app:v1";
    }

    private void assertSkopeoPulls(Path out) throws IOException {
        skopeo.copy(reference(), CLIENT, "dir:" + out, null);
        assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("manifest.json"))));
        for (var layer : image.layers()) {
            assertEquals(
                    layer.digest(),
                    Sha256.of(Files.readAllBytes(out.resolve(layer.blob().hex()))));
        }
    }

    @Test
    @Order(1)
    void servesSkopeoAndPodmanOverTlsWithHtpasswdAsUid1001(@TempDir Path out) throws Exception {
        ProcessResult anonymous = skopeo.tryCopy(reference(), null, "dir:" + out.resolve("anonymous"), null);
        assertFalse(anonymous.succeeded(), "htpasswd is on: " + anonymous.output());
        assertSkopeoPulls(out.resolve("skopeo"));
        try (Podman client = Podman.create()) {
            String ref = "127.0.0.1:" + port + "/quay.io/team/app:v1";
            client.pull(ref, CLIENT);
            assertEquals(image.manifest().digest(), client.digest(ref));
        }
        ProcessResult health = podman("healthcheck", "run", name);
        assertEquals(0, health.exitCode(), "the image's HEALTHCHECK: " + health.output());
        List<String> users = podman("top", name, "huser")
                .orThrow()
                .stdoutText()
                .lines()
                .skip(1)
                .map(String::strip)
                .toList();
        assertTrue(
                users.size() >= 3,
                "supervisor, node and gateway (the logger and the cleaner run as a process per pass): " + users);
        assertTrue(users.stream().allMatch("1001"::equals), "every process runs as uid 1001: " + users);
        assertTrue(
                upstream.requestCount("GET", "/blobs/" + image.layers().get(0).digest()) >= 1,
                "pulled through the upstream");
    }

    @Test
    @Order(2)
    void aRestartKeepsTheCacheServingWhileTheUpstreamIsDown(@TempDir Path out) throws Exception {
        podman("restart", name).orThrow();
        awaitReady(name, 2);
        upstream.stop();
        try {
            assertSkopeoPulls(out);
        } finally {
            upstream.start();
        }
    }

    @Test
    @Order(3)
    void stopLetsTheSupervisorEndEveryProcessAndExit0() throws Exception {
        String id = podman("inspect", name, "--format", "{{.Id}}")
                .orThrow()
                .stdoutText()
                .strip();
        // podman stop sends STOPSIGNAL, waits 10 s, then kills: exit code 0 means the supervisor stopped in time
        podman(Duration.ofSeconds(60), "stop", "-t", "10", name).orThrow();
        assertEquals(
                "0",
                podman("inspect", name, "--format", "{{.State.ExitCode}}")
                        .orThrow()
                        .stdoutText()
                        .strip(),
                podman("logs", name).output());
        assertTrue(podman("logs", name).output().contains("every component stopped"));
        assertEquals(List.of(), processesOfContainer(id), "no process of the container is left");
    }

    @Test
    @Order(4)
    void aDataFolderOfAnotherUidStopsTheStartWithOneClearLine() throws Exception {
        Path other = Files.createDirectories(root.resolve("other"));
        String second = ContainerHost.uniqueName("rc-e2e-uid");
        containers.add(second);
        Path data = other.resolve("data");
        Files.createDirectories(data); // owned by root, as a folder made without the README's chown
        String script = String.join(
                "\n",
                "set -euo pipefail",
                "mkdir -p " + other + "/logs " + other + "/certs " + other + "/auth",
                "chown 1001:1001 " + other + "/logs",
                "cp " + root + "/certs/certs.pem " + other + "/certs/",
                "cp " + root + "/auth/htpasswd " + other + "/auth/",
                "cp " + root + "/pull-secret.json " + other + "/");
        Tools.run(Duration.ofSeconds(30), List.of("bash", "-c", script)).orThrow();
        int otherPort = FreePort.pick();
        podman(
                        "run",
                        "-d",
                        "--name",
                        second,
                        "-p",
                        "127.0.0.1:" + otherPort + ":8443",
                        "-v",
                        data + ":/var/lib/registry:Z",
                        "-v",
                        other.resolve("logs") + ":/var/log/registry-cache:Z",
                        "-v",
                        other.resolve("certs") + ":/certs:Z",
                        "-v",
                        other.resolve("auth") + ":/auth:Z",
                        "-v",
                        other.resolve("pull-secret.json") + ":/pull-secret.json:Z",
                        "-e",
                        "REGISTRY_AUTH=htpasswd",
                        ContainerHost.IMAGE)
                .orThrow();
        ProcessResult waited = podman(Duration.ofSeconds(60), "wait", second);
        String exit = waited.stdoutText().strip();
        String logs = podman("logs", second).output();
        assertNotEquals("0", exit, logs);
        assertTrue(logs.contains("DATA_DIR /var/lib/registry is not writable by this process (uid 1001)"), logs);
        assertTrue(logs.contains("chown -R 1001:1001"), logs);
        assertFalse(logs.contains("Exception"), "one line, no stack trace: " + logs);
    }

    /** Host processes whose cgroup names the container. */
    private static List<Long> processesOfContainer(String id) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    if (Files.readString(p.resolve("cgroup")).contains(id)) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited while we looked
                }
            }
        }
        return pids;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
