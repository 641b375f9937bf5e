package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our Kubernetes files are valid API objects (see {@link KubernetesManifests}); the checker catches what it should. */
class KubernetesManifestsTest {
    private static final Path DEPLOYMENT = ContainerHost.ROOT.resolve("docker/deployment.yaml");

    @Test
    void theKubeYamlIsAValidDeploymentThatPublishesTheGatewayPort() throws Exception {
        List<HasMetadata> objects = KubernetesManifests.read(DEPLOYMENT);
        assertEquals(1, objects.size());
        Deployment d = (Deployment) objects.get(0);
        var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(8443, container.getPorts().get(0).getHostPort());
        assertEquals(
                1001L, d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser());
    }

    @Test
    void refusesUnknownFieldsHostNetworkWithPortsAndMountsOfUndeclaredVolumes(@TempDir Path dir) throws Exception {
        String yaml = Files.readString(DEPLOYMENT);
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, yaml.replace("mountPath: /certs", "mountPth: /certs"));
        assertTrue(assertThrows(AssertionError.class, () -> KubernetesManifests.read(typo))
                .getMessage()
                .contains("mountPth"));
        Path hostNetwork = dir.resolve("host-network.yaml");
        Files.writeString(
                hostNetwork,
                yaml.replace("      restartPolicy: Always", "      hostNetwork: true\n      restartPolicy: Always"));
        assertTrue(assertThrows(AssertionError.class, () -> KubernetesManifests.read(hostNetwork))
                .getMessage()
                .contains("hostNetwork"));
        Path mount = dir.resolve("mount.yaml");
        Files.writeString(
                mount,
                yaml.replace("        - name: logs\n          mountPath", "        - name: log\n          mountPath"));
        assertTrue(assertThrows(AssertionError.class, () -> KubernetesManifests.read(mount))
                .getMessage()
                .contains("'log'"));
        Path selector = dir.resolve("selector.yaml");
        Files.writeString(
                selector,
                yaml.replaceFirst("matchLabels:\n      app: registry-cache", "matchLabels:\n      app: other"));
        assertTrue(assertThrows(AssertionError.class, () -> KubernetesManifests.read(selector))
                .getMessage()
                .contains("matchLabels"));
    }
}
