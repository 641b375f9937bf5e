package dev.registrycache.supervisor;

import static dev.registrycache.supervisor.ContainerHost.podman;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.SelfSignedCertificate;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units started for real: in a container whose PID 1 is systemd (a stand-in for a
 * Debian host), the README's systemd section is run block by block as written, the cache serves
 * a pull over TLS with htpasswd, a node killed with SIGKILL is started again by systemd and
 * serves again, and stopping {@code registry-cache.target} stops every unit and process.
 */
@Tag("e2e")
class SystemdUnitsIT {
    private static final String HOST_IMAGE = "localhost/registry-cache-systemd-host:e2e";
    private static final TestCredentials CLIENT = TestCredentials.of("puller", "pull-pass");
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final List<String> UNITS = List.of(
            "registry-cache-gateway",
            "registry-cache-logger",
            "registry-cache-cleaner",
            "registry-cache-node@quay.io",
            "registry-cache-node@docker.io");

    private String host;

    @Test
    void theReadmeStepsStartTheUnitsWhichServeRestartAndStop(@TempDir Path root) throws Exception {
        ContainerHost.build(
                HOST_IMAGE,
                "-f",
                ContainerHost.ROOT
                        .resolve("supervisor/src/test/resources/systemd-host/Containerfile")
                        .toString(),
                ContainerHost.ROOT
                        .resolve("supervisor/src/test/resources/systemd-host")
                        .toString());
        Image first =
                OciImages.image().oci().seed(81).layers(2).layerSize(200_000).build();
        Image second =
                OciImages.image().oci().seed(82).layers(1).layerSize(100_000).build();
        host = ContainerHost.uniqueName("rc-e2e-systemd");
        try (ContainerHost.BridgeAnchor bridge = new ContainerHost.BridgeAnchor();
                UpstreamRegistry upstream =
                        UpstreamRegistry.withHtpasswdOn(bridge.address(), TestCredentials.of("cache", "up-pass"))) {
            upstream.push(first, "team/app", "v1");
            upstream.push(second, "team/app", "v2");
            Path config = Files.createDirectories(root.resolve("config"));
            Files.writeString(
                    config.resolve("pull-secret.json"),
                    "{\"auths\":{\"quay.io\":{\"auth\":\""
                            + upstream.credentials().authField() + "\"},\"docker.io\":{}}}");
            Tools.runOrThrow(
                    Duration.ofSeconds(30),
                    List.of(
                            "htpasswd",
                            "-Bbc",
                            config.resolve("htpasswd").toString(),
                            CLIENT.username(),
                            CLIENT.password()));
            SelfSignedCertificate.writeCertsPem(config.resolve("certs.pem"), "cache.test");
            int port = FreePort.pick();
            podman(
                            "run",
                            "-d",
                            "--name",
                            host,
                            "--systemd=always",
                            "--privileged",
                            "-p",
                            "127.0.0.1:" + port + ":8443",
                            "-v",
                            ContainerHost.ROOT + ":/src:ro",
                            "-v",
                            config + ":/config:ro",
                            HOST_IMAGE)
                    .orThrow();
            try {
                awaitSystem();
                List<String> blocks = ContainerHost.readmeBlocks("### systemd, without containers");
                assertEquals(3, blocks.size(), "install, configuration, start: " + blocks);
                exec("cd /src && " + blocks.get(0));
                exec(blocks.get(1).replace("/path/to/", "/config/"));
                // step 3's edit of the settings
                exec("printf '%s\\n' REGISTRY_AUTH=htpasswd 'UPSTREAM_ENDPOINTS=quay.io=" + upstream.baseUrl()
                        + "' >> /etc/registry-cache/registry-cache.env");
                exec(blocks.get(2));

                String reference = "docker://127.0.0.1:" + port + "/quay.io/team/app:";
                Skopeo skopeo = Skopeo.create().withTimeout(WAIT);
                awaitPull(skopeo, reference + "v1", first, root.resolve("first"));
                for (String unit : UNITS) {
                    assertEquals("active", systemctl("is-active", unit).strip(), unit);
                }
                assertEquals(
                        "registry-cache",
                        exec("ps -o user= -p " + mainPid("registry-cache-gateway"))
                                .strip());
                assertTrue(
                        exec("exec 3<>/dev/tcp/127.0.0.1/5001; printf 'GET /v2/quay.io/team/app/manifests/v1 HTTP/1.0\\r\\n\\r\\n' >&3; "
                                        + "head -1 <&3")
                                .startsWith("HTTP/1.1 401"),
                        "a node's port serves the gateway only");

                String killed = mainPid("registry-cache-node@quay.io");
                exec("kill -9 " + killed);
                Await.until("systemd starting the node again", WAIT, () -> {
                    String now = mainPid("registry-cache-node@quay.io");
                    return !now.equals(killed) && !now.equals("0");
                });
                assertTrue(systemctl("show", "-p", "NRestarts", "--value", "registry-cache-node@quay.io")
                        .strip()
                        .matches("[1-9]\\d*"));
                awaitPull(skopeo, reference + "v2", second, root.resolve("second"));

                systemctl("stop", "registry-cache.target");
                for (String unit : UNITS) {
                    ProcessResult state = podman("exec", host, "systemctl", "is-active", unit);
                    assertEquals("inactive", state.stdoutText().strip(), unit + " after stopping the target");
                }
                assertEquals("", exec("pgrep -a java || true").strip(), "no Java process is left");
            } finally {
                ContainerHost.remove(host, Duration.ofSeconds(5));
            }
        }
    }

    private void awaitSystem() {
        Await.until(
                "systemd done booting",
                WAIT,
                () -> {
                    String state = podman("exec", host, "systemctl", "is-system-running")
                            .stdoutText()
                            .strip();
                    return state.equals("running") || state.equals("degraded");
                },
                () -> podman("exec", host, "systemctl", "--failed").output());
    }

    private void awaitPull(Skopeo skopeo, String reference, Image image, Path out) throws Exception {
        AtomicReference<ProcessResult> last = new AtomicReference<>();
        Await.until(
                "a pull of " + reference,
                WAIT,
                () -> {
                    last.set(skopeo.tryCopy(reference, CLIENT, "dir:" + out, null));
                    return last.get().succeeded();
                },
                () -> last.get().output() + "\n" + exec("journalctl --no-pager -n 60 -u 'registry-cache*' || true"));
        assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("manifest.json"))));
    }

    private String mainPid(String unit) {
        return systemctl("show", "-p", "MainPID", "--value", unit).strip();
    }

    private String systemctl(String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "exec";
        command[1] = host;
        command[2] = "systemctl";
        System.arraycopy(args, 0, command, 3, args.length);
        return podman(command).orThrow().stdoutText();
    }

    /** Runs a bash script as root in the host container; throws with the output unless it exits 0. */
    private String exec(String script) {
        ProcessResult result = Tools.run(
                Duration.ofMinutes(2),
                List.of("podman", "exec", host, "bash", "-euo", "pipefail", "-c", script),
                Map.of(),
                null);
        assertTrue(result.succeeded(), result.describe());
        return result.stdoutText();
    }
}
