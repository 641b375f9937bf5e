package dev.registrycache.supervisor;

import static dev.registrycache.supervisor.ContainerHost.podman;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.ProcessResult;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code podman play kube docker/deployment.yaml} as the README says: the folders made by the
 * README's steps, the file's host paths, port and image edited, then a pull over TLS with
 * htpasswd through the pod, then {@code podman pod stop} (the supervisor stops every process and
 * exits 0) and {@code --down} removing it.
 */
@Tag("e2e")
class KubePlayIT {
    private static final TestCredentials CLIENT = TestCredentials.of("puller", "pull-pass");
    private static final Duration READY = Duration.ofSeconds(90);

    @Test
    void playKubeServesPullsAndDownStopsEveryProcess(@TempDir Path root) throws Exception {
        Image image =
                OciImages.image().oci().seed(78).layers(1).layerSize(200_000).build();
        String tag = ContainerHost.image();
        String deployment = ContainerHost.uniqueName("rc-e2e-kube");
        try (ContainerHost.BridgeAnchor bridge = new ContainerHost.BridgeAnchor();
                UpstreamRegistry upstream =
                        UpstreamRegistry.withHtpasswdOn(bridge.address(), TestCredentials.of("cache", "up-pass"))) {
            upstream.push(image, "team/app", "v1");
            Tools.run(
                            Duration.ofMinutes(2),
                            List.of("bash", "-c", ContainerHost.readmeDeployment(root, CLIENT, false)),
                            Map.of(),
                            root)
                    .orThrow();
            Files.writeString(
                    root.resolve("pull-secret.json"),
                    "{\"auths\":{\"quay.io\":{\"auth\":\""
                            + upstream.credentials().authField() + "\"}}}");
            int port = FreePort.pick();
            String yaml = Files.readString(ContainerHost.ROOT.resolve("docker/deployment.yaml"))
                    .replace("/opt/registry", root.toString())
                    .replace("hostPort: 8443", "hostPort: " + port)
                    .replace("image: localhost/registry-cache:latest", "image: " + tag)
                    .replace("\n  name: registry-cache\n", "\n  name: " + deployment + "\n")
                    .replace(
                            "        env:\n",
                            "        env:\n        - name: UPSTREAM_ENDPOINTS\n          value: \"quay.io="
                                    + upstream.baseUrl() + "\"\n");
            assertTrue(
                    yaml.contains("UPSTREAM_ENDPOINTS")
                            && yaml.contains("hostPort: " + port)
                            && yaml.contains(deployment),
                    yaml);
            Path file = root.resolve("deployment.yaml");
            Files.writeString(file, yaml);
            Path log = root.resolve("container.log");
            try {
                podman("play", "kube", "--log-driver", "k8s-file", "--log-opt", "path=" + log, file.toString())
                        .orThrow();
                awaitLine(log, "registry-cache ready in");
                Path out = root.resolve("pulled");
                Skopeo.create().copy("docker://127.0.0.1:" + port + "/quay.io/team/app:v1", CLIENT, "dir:" + out, null);
                assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("manifest.json"))));
                // the README's way down: podman 4.3's --down kills the pod at once (no stop timeout), so the
                // pod is stopped first, which sends the image's STOPSIGNAL and waits up to 10 s
                ProcessResult stop = podman(Duration.ofSeconds(60), "pod", "stop", "-t", "10", deployment + "-pod-0");
                assertEquals(0, stop.exitCode(), stop.output());
                String container = deployment + "-pod-0-registry-cache";
                assertEquals(
                        "0",
                        podman("inspect", container, "--format", "{{.State.ExitCode}}")
                                .orThrow()
                                .stdoutText()
                                .strip(),
                        "the supervisor exits 0 within the stop timeout");
            } finally {
                ProcessResult down = podman(Duration.ofSeconds(60), "play", "kube", "--down", file.toString());
                assertEquals(0, down.exitCode(), down.output());
            }
            String logText = Files.readString(log);
            assertTrue(
                    logText.contains("every component stopped"),
                    "the supervisor stopped its children itself: " + logText);
            assertEquals(1, podman("pod", "exists", deployment + "-pod-0").exitCode(), "the pod is gone");
        }
    }

    private static void awaitLine(Path log, String text) {
        Await.until(
                "'" + text + "' in " + log, READY, () -> Tools.printed(log).contains(text), () -> Tools.printed(log));
    }
}
