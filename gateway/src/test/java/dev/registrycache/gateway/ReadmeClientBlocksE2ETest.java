package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Containerd;
import dev.registrycache.testsupport.Podman;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.ReadmeBlocks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's client blocks for podman, skopeo and containerd, run as written (the test's
 * addresses in place of the README's): the mirror configuration files, the CA where the clients
 * look for it, the logins and the pulls. Docker Engine's blocks run in {@link DockerEngineE2ETest}.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadmeClientBlocksE2ETest {
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

    private Map<String, String> tls() {
        return Map.of(ClientBlocksRig.README_HOST, rig.tlsHostPort());
    }

    @Test
    void podmanAndSkopeoPullThroughTheMirrorsOverTlsAfterLogin(@TempDir Path work) throws Exception {
        Path conf = Files.writeString(work.resolve("registries.conf"), readme.block("podman-registries-conf", tls()));
        Path auth = Files.writeString(work.resolve("auth.json"), "{\"auths\":{}}");
        Map<String, String> env = new HashMap<>(rig.credentialsEnv(null));
        env.put("CONTAINERS_REGISTRIES_CONF", conf.toString());
        env.put("REGISTRY_AUTH_FILE", auth.toString());
        String script = readme.block("podman-login-pull", tls());
        try (Podman podman = Podman.create()) {
            // the cache's certificate is not trusted yet: the login fails
            ProcessResult untrusted = podman.runScript(script, env, work);
            assertFalse(untrusted.succeeded(), untrusted.output());
            try (ClientBlocksRig.SystemCa ca =
                    rig.installCa(readme.block("podman-ca", tls()), "/etc/containers/certs.d")) {
                ProcessResult pulled = podman.runScript(script, env, work);
                assertEquals(0, pulled.exitCode(), pulled.output());
            }
            assertEquals(rig.hello().manifest().digest(), podman.digest("quay.io/podman/hello:latest"));
            assertTrue(Files.exists(work.resolve("alpine/index.json")), "skopeo wrote the OCI layout");
            assertTrue(rig.accessLog("quay.io").contains("\"path\":\"/v2/quay.io/podman/hello/manifests/latest\""));
            assertTrue(
                    rig.accessLog("docker.io").contains("\"path\":\"/v2/docker.io/library/alpine/manifests/latest\""));
        }
    }

    @Test
    void podmanPullsOverPlainHttpWithInsecureTrue(@TempDir Path work) throws Exception {
        Path conf = Files.writeString(
                work.resolve("registries.conf"),
                readme.block("podman-registries-conf-http", Map.of(ClientBlocksRig.README_LOCAL, rig.plainHostPort())));
        Path auth = Files.writeString(work.resolve("auth.json"), "{\"auths\":{}}");
        Map<String, String> env =
                Map.of("CONTAINERS_REGISTRIES_CONF", conf.toString(), "REGISTRY_AUTH_FILE", auth.toString());
        try (Podman podman = Podman.create()) {
            ProcessResult pull = podman.runScript("podman pull docker.io/library/alpine:latest", env, work);
            assertEquals(0, pull.exitCode(), pull.output());
            assertEquals(rig.alpine().manifest().digest(), podman.digest("docker.io/library/alpine:latest"));
        }
    }

    @Test
    void containerdPullsThroughHostsTomlOverTlsWithTheCredentialsHeader() throws Exception {
        try (Containerd containerd = Containerd.start()) {
            Path certsD = containerd.folder().resolve("certs.d");
            Path hub = Files.createDirectories(certsD.resolve("docker.io"));
            Files.copy(rig.caFile(), hub.resolve("ca.crt"));
            Map<String, String> names = new HashMap<>(tls());
            names.put("/etc/containerd/certs.d", certsD.toString());
            // without credentials the cache refuses
            Files.writeString(hub.resolve("hosts.toml"), readme.block("containerd-hosts-toml", names));
            ProcessResult refused = containerd.pull(certsD, null, "docker.io/library/alpine:latest");
            assertFalse(refused.succeeded(), refused.output());

            names.put("<base64 of user:password>", rig.userBase64());
            Files.writeString(hub.resolve("hosts.toml"), readme.block("containerd-hosts-toml-auth", names));
            ProcessResult pull = containerd.pull(certsD, null, "docker.io/library/alpine:latest");
            assertEquals(0, pull.exitCode(), pull.output());
            assertTrue(containerd
                    .ctr("images", "ls")
                    .stdoutText()
                    .contains(rig.alpine().manifest().digest()));
        }
    }

    @Test
    void containerdPullsOverPlainHttp() throws Exception {
        try (Containerd containerd = Containerd.start()) {
            Path certsD = containerd.folder().resolve("certs.d");
            Path hub = Files.createDirectories(certsD.resolve("docker.io"));
            Files.writeString(
                    hub.resolve("hosts.toml"),
                    readme.block(
                            "containerd-hosts-toml-http", Map.of(ClientBlocksRig.README_LOCAL, rig.plainHostPort())));
            ProcessResult pull = containerd.pull(certsD, null, "docker.io/library/alpine:latest");
            assertEquals(0, pull.exitCode(), pull.output());
            assertTrue(containerd
                    .ctr("images", "ls")
                    .stdoutText()
                    .contains(rig.alpine().manifest().digest()));
        }
    }
}
