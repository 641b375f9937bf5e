package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.Containerd;
import dev.registrycache.testsupport.ImageIndex;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Platform;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * containerd configured with a hosts.toml mirror pulls {@code docker.io/...} through the
 * gateway, which receives the mirror form {@code /v2/<repository>/...?ns=docker.io}.
 */
@Tag("e2e")
class ContainerdMirrorE2ETest {

    @Test
    void ctrPullsThroughTheGatewayAsADockerHubMirror() throws Exception {
        ImageIndex index = OciImages.index()
                .oci()
                .seed(81)
                .platforms(Platform.LINUX_AMD64, Platform.LINUX_ARM64)
                .layers(1)
                .layerSize(50_000)
                .build();
        Path dir = Files.createTempDirectory("ctrd-test-");
        try (UpstreamRegistry upstream = UpstreamRegistry.plain();
                Containerd containerd = Containerd.start()) {
            upstream.push(index, "library/app", "v1");
            try (RegistryNode node = LoopbackNodes.start(
                            "docker.io", upstream.baseUrl(), dir.resolve("data"), dir.resolve("logs"));
                    GatewayServer gateway = new GatewayServer(LoopbackGateways.inFrontOf(
                                    "docker.io",
                                    node.port(),
                                    dir.resolve("none.pem"),
                                    dir.resolve("data"),
                                    dir.resolve("logs"),
                                    Map.of()))
                            .start()) {
                Path hosts = Files.createDirectories(containerd.folder().resolve("hosts/docker.io"));
                Files.writeString(
                        hosts.resolve("hosts.toml"),
                        "server = \"https://registry-1.docker.io\"\n\n" + "[host.\"http://127.0.0.1:" + gateway.port()
                                + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n");
                ProcessResult pull = containerd.pull(hosts.getParent(), "linux/arm64", "docker.io/library/app:v1");
                assertEquals(0, pull.exitCode(), pull.output());
                ProcessResult list = containerd.ctr("images", "ls");
                assertTrue(list.stdoutText().contains(index.manifest().digest()), list.output());
                assertTrue(Files.readString(dir.resolve("logs/node-docker.io.access.log"))
                        .contains("\"path\":\"/v2/docker.io/library/app/manifests/v1\""));
            }
        } finally {
            Tools.run(Duration.ofSeconds(30), List.of("rm", "-rf", dir.toString()));
        }
    }
}
