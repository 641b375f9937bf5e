package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.DockerEngine;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Docker Engine (Debian's dockerd, private) as its users point it at a cache: the cache as a
 * {@code registry-mirrors} entry of {@code daemon.json}, over TLS with htpasswd, pulling
 * Docker Hub names cold then warm and running one; and the prefixed name after
 * {@code docker login}.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerEngineE2ETest {
    private static final TestCredentials USER = TestCredentials.of("puller", "s3cret-pull");
    private static final String GREETING = "hello from a registry-cache test image\n";

    private Path work;
    private UpstreamRegistry upstream;
    private RegistryNode node;
    private GatewayServer gateway;
    private final Image image = OciImages.image()
            .docker()
            .seed(23)
            .layers(2)
            .layerSize(200_000)
            .runnable(GREETING)
            .build();
    /** Pulled by the prefixed name only, so that each test starts cold. */
    private final Image other =
            OciImages.image().docker().seed(24).layers(1).layerSize(50_000).build();

    @BeforeAll
    void start() throws Exception {
        Tools.require("htpasswd");
        work = Files.createTempDirectory("docker-e2e-");
        upstream = UpstreamRegistry.plain();
        upstream.push(image, "library/hello", "1.0");
        upstream.push(other, "library/other", "2.0");
        node = LoopbackNodes.start("docker.io", upstream.baseUrl(), work.resolve("data"), work.resolve("logs"));
        Path htpasswd = work.resolve("htpasswd");
        Tools.runOrThrow(
                Duration.ofSeconds(30),
                List.of("htpasswd", "-Bbc", htpasswd.toString(), USER.username(), USER.password()));
        TestPki pki = new TestPki();
        gateway = new GatewayServer(LoopbackGateways.inFrontOf(
                        "docker.io",
                        node.port(),
                        pki.writeCertsPem(work, TestPki.KeyFormat.PKCS8_RSA),
                        work.resolve("data"),
                        work.resolve("logs"),
                        Map.of("REGISTRY_AUTH", "htpasswd", "REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString())))
                .start();
    }

    @AfterAll
    void stop() throws Exception {
        try (UpstreamRegistry u = upstream;
                RegistryNode n = node;
                GatewayServer g = gateway) {
            if (work != null) {
                try (var paths = Files.walk(work)) {
                    paths.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private String cache() {
        return "127.0.0.1:" + gateway.port();
    }

    @Test
    void pullsThroughRegistryMirrorsColdThenWarmAndRunsTheImage() throws Exception {
        try (DockerEngine docker = DockerEngine.start("\"registry-mirrors\": [\"https://" + cache() + "\"]")) {
            // without credentials the cache refuses, and Docker falls back to Docker Hub (unreachable here)
            ProcessResult anonymous = docker.tryRun("pull", "hello:1.0");
            assertFalse(anonymous.succeeded(), anonymous.output());
            assertEquals(0, upstream.requestCount("GET", "/library/hello/blobs/"), upstream.logText());

            // Docker sends a mirror the credentials it holds for Docker Hub
            docker.storeCredentials("https://index.docker.io/v1/", USER);
            ProcessResult cold = docker.tryRun("pull", "hello:1.0");
            assertEquals(0, cold.exitCode(), cold.output() + docker.log());
            assertTrue(cold.stdoutText().contains(image.manifest().digest()), cold.output());
            int upstreamBlobGets = upstream.requestCount("GET", "/library/hello/blobs/");
            assertEquals(image.layers().size() + 1, upstreamBlobGets, upstream.logText());
            String access = Files.readString(work.resolve("logs/node-docker.io.access.log"));
            assertTrue(access.contains("\"path\":\"/v2/docker.io/library/hello/manifests/1.0\""), access);

            docker.run("rmi", "hello:1.0");
            ProcessResult warm = docker.tryRun("pull", "hello:1.0");
            assertEquals(0, warm.exitCode(), warm.output());
            assertEquals(
                    upstreamBlobGets,
                    upstream.requestCount("GET", "/library/hello/blobs/"),
                    () -> "a warm pull asks the upstream for no blob: " + upstream.requests());

            ProcessResult run = docker.tryRun("run", "--rm", "--network", "none", "hello:1.0");
            assertEquals(0, run.exitCode(), run.output() + docker.log());
            assertEquals(GREETING, run.stdoutText());
        }
    }

    @Test
    void pullsThePrefixedNameAfterDockerLogin() throws Exception {
        try (DockerEngine docker = DockerEngine.start("")) {
            String name = cache() + "/docker.io/library/other:2.0";
            ProcessResult wrong = docker.tryLogin(cache(), TestCredentials.of(USER.username(), "wrong"));
            assertFalse(wrong.succeeded(), wrong.output());
            assertFalse(docker.tryRun("pull", name).succeeded());
            docker.tryLogin(cache(), USER).orThrow();
            ProcessResult pull = docker.tryRun("pull", name);
            assertEquals(0, pull.exitCode(), pull.output() + docker.log());
            assertTrue(pull.stdoutText().contains(other.manifest().digest()), pull.output());
            // the short name of Docker Hub's official images works on the prefixed route too
            docker.run("pull", cache() + "/docker.io/other:2.0");
        }
    }
}
