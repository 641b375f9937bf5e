package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.DockerEngine;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.ReadmeBlocks;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Docker Engine (Debian's dockerd, private to the test) configured with the README's blocks as
 * written: the cache as a {@code registry-mirrors} entry over TLS with htpasswd, pulling Docker
 * Hub names cold then warm and running one; and the prefixed names after {@code docker login}.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerEngineE2ETest {
    private final ReadmeBlocks readme = ReadmeBlocks.load();
    private ClientBlocksRig rig;

    @BeforeAll
    void start() throws Exception {
        rig = ClientBlocksRig.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    @Order(1)
    void pullsThroughRegistryMirrorsColdThenWarmAndRunsTheImage() throws Exception {
        Map<String, String> names = Map.of(ClientBlocksRig.README_HOST, rig.tlsHostPort());
        try (DockerEngine docker = DockerEngine.start(readme.block("docker-daemon-json", names));
                ClientBlocksRig.SystemCa ca = rig.installCa(readme.block("docker-ca", names), "/etc/docker/certs.d")) {
            // without credentials the cache refuses, and Docker falls back to Docker Hub (unreachable here)
            ProcessResult anonymous = docker.tryRun("pull", "alpine:latest");
            assertFalse(anonymous.succeeded(), anonymous.output());
            assertEquals(0, rig.upstreamBlobGets("library/alpine"), rig.upstreamLog());

            docker.writeCliConfig(
                    readme.block("docker-mirror-credentials", Map.of("<base64 of user:password>", rig.userBase64())));
            ProcessResult cold = docker.tryRun("pull", "alpine:latest");
            assertEquals(0, cold.exitCode(), cold.output() + docker.log());
            assertTrue(cold.stdoutText().contains(rig.alpine().manifest().digest()), cold.output());
            int blobGets = rig.upstreamBlobGets("library/alpine");
            assertEquals(rig.alpine().layers().size() + 1, blobGets, rig.upstreamLog());
            String access = rig.accessLog("docker.io");
            assertTrue(access.contains("\"path\":\"/v2/docker.io/library/alpine/manifests/latest\""), access);

            docker.run("rmi", "alpine:latest");
            ProcessResult warm = docker.tryRun("pull", "alpine:latest");
            assertEquals(0, warm.exitCode(), warm.output());
            assertEquals(
                    blobGets,
                    rig.upstreamBlobGets("library/alpine"),
                    () -> "a warm pull asks the upstream for no blob: " + rig.upstreamLog());

            ProcessResult run = docker.tryRun("run", "--rm", "--network", "none", "alpine:latest");
            assertEquals(0, run.exitCode(), run.output() + docker.log());
            assertEquals(ClientBlocksRig.GREETING, run.stdoutText());
        }
    }

    @Test
    @Order(2)
    void pullsThePrefixedNamesAfterDockerLogin(@org.junit.jupiter.api.io.TempDir Path work) throws Exception {
        String script = readme.block("docker-login-pull", Map.of(ClientBlocksRig.README_HOST, rig.tlsHostPort()));
        try (DockerEngine docker = DockerEngine.start("{}")) {
            ProcessResult wrong = docker.runScript(script, rig.credentialsEnv("wrong"), work);
            assertFalse(wrong.succeeded(), wrong.output());
            ProcessResult pull = docker.runScript(script, rig.credentialsEnv(null), work);
            assertEquals(0, pull.exitCode(), pull.output() + docker.log());
            assertTrue(pull.stdoutText().contains(rig.alpine().manifest().digest()), pull.output());
            assertTrue(pull.stdoutText().contains(rig.hello().manifest().digest()), pull.output());
            assertTrue(rig.accessLog("quay.io").contains("\"path\":\"/v2/quay.io/podman/hello/manifests/latest\""));
        }
    }
}
