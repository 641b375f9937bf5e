package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker/kubernetes/, the scale-out installation: every file is a valid API object, the files refer to
 * each other rightly ({@link KubernetesManifestFolder}, {@link KubernetesScaleOutRules}), and they say
 * what the README and the code expect; the checks catch broken references.
 */
class KubernetesScaleOutManifestsTest {
    private static final Path FOLDER = KubernetesInstallations.FOLDER;

    @Test
    void everyFileOfTheFolderIsReadAndValid() throws Exception {
        Set<String> files;
        try (Stream<Path> list = Files.list(FOLDER)) {
            files = list.map(f -> f.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(
                new TreeSet<>(List.of(
                        "README.md",
                        "cronjob-cleaner.yaml",
                        "deployment.yaml",
                        "pdb.yaml",
                        "pvc.yaml",
                        "route.yaml",
                        "s3",
                        "secret-peers.yaml",
                        "service.yaml")),
                files,
                "a new file here must be a manifest the folder check reads, or the README; s3/ is the variant on a"
                        + " bucket (KubernetesS3ManifestsTest)");
        var contents = KubernetesManifestFolder.read(FOLDER);
        assertEquals(
                Map.of(
                        "Deployment", 1L,
                        "Service", 2L,
                        "PersistentVolumeClaim", 1L,
                        "PodDisruptionBudget", 1L,
                        "Secret", 1L,
                        "CronJob", 1L,
                        "Route", 1L),
                contents.objects().stream().collect(Collectors.groupingBy(o -> o.getKind(), Collectors.counting())));
    }

    @Test
    void theDeploymentRunsThreeHardenedReplicasThatFindEachOther() throws Exception {
        var contents = KubernetesManifestFolder.read(FOLDER);
        Deployment d = contents.named(Deployment.class, "registry-cache").orElseThrow();
        assertEquals(3, d.getSpec().getReplicas());
        assertEquals(
                Map.of("app", "registry-cache"),
                d.getSpec().getTemplate().getMetadata().getLabels());
        assertEquals(
                1,
                d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        var pod = d.getSpec().getTemplate().getSpec();
        assertEquals(30L, pod.getTerminationGracePeriodSeconds());
        assertEquals(1001L, pod.getSecurityContext().getRunAsUser());
        assertEquals(1001L, pod.getSecurityContext().getRunAsGroup());
        assertEquals(1001L, pod.getSecurityContext().getFsGroup());
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        Container c = pod.getContainers().get(0);
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(false, c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertEquals(
                Map.of("registry", 8443, "peers", 5443),
                c.getPorts().stream().collect(Collectors.toMap(p -> p.getName(), p -> p.getContainerPort())));
        for (Probe probe : List.of(c.getReadinessProbe(), c.getLivenessProbe())) {
            assertEquals("/healthz", probe.getHttpGet().getPath());
            assertEquals(8443, probe.getHttpGet().getPort().getIntVal());
            assertEquals("HTTPS", probe.getHttpGet().getScheme());
        }
        assertTrue(c.getLivenessProbe().getInitialDelaySeconds() >= 20);
        assertEquals(new Quantity("512Mi"), c.getResources().getRequests().get("memory"));
        assertEquals(new Quantity("1Gi"), c.getResources().getLimits().get("memory"));
        assertEquals(new Quantity("500m"), c.getResources().getRequests().get("cpu"));

        Map<String, EnvVar> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertEquals(
                "dns:registry-cache-peers.$(POD_NAMESPACE).svc.cluster.local",
                env.get("PEERS").getValue());
        assertEquals(
                "metadata.namespace",
                env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath());
        assertEquals("5443", env.get("PEER_PORT").getValue());
        assertEquals("/peer/secret", env.get("PEER_SECRET_FILE").getValue());
        assertEquals(
                "status.podIP", env.get("POD_IP").getValueFrom().getFieldRef().getFieldPath());
        assertEquals("30m", env.get("CLEANER_RUNEVERY_TIME").getValue());
        assertEquals("2m", env.get("CLEANER_LEASE_TERM").getValue());

        Map<String, String> mounts =
                c.getVolumeMounts().stream().collect(Collectors.toMap(m -> m.getMountPath(), m -> m.getName()));
        Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        assertEquals(
                "registry-cache-data",
                volumes.get(mounts.get("/var/lib/registry"))
                        .getPersistentVolumeClaim()
                        .getClaimName());
        assertNotNull(volumes.get(mounts.get("/var/log/registry-cache")).getEmptyDir());
        assertNotNull(volumes.get(mounts.get("/tmp")).getEmptyDir());
        assertEquals(
                "registry-cache-peers",
                volumes.get(mounts.get("/peer")).getSecret().getSecretName());
        assertEquals(
                "registry-cache-certs",
                volumes.get(mounts.get("/certs")).getSecret().getSecretName());
        assertEquals(
                "registry-cache-pull-secret",
                volumes.get(mounts.get("/pull-secret.json")).getSecret().getSecretName());
        assertTrue(volumes.get(mounts.get("/auth")).getSecret().getOptional());
    }

    @Test
    void theServicesTheClaimTheBudgetTheCleanerAndTheRouteSayWhatTheReplicasNeed() throws Exception {
        var contents = KubernetesManifestFolder.read(FOLDER);
        Service clients = contents.named(Service.class, "registry-cache").orElseThrow();
        assertEquals("ClusterIP", clients.getSpec().getType());
        assertEquals(8443, clients.getSpec().getPorts().get(0).getPort());
        Service peers = contents.named(Service.class, "registry-cache-peers").orElseThrow();
        assertEquals("None", peers.getSpec().getClusterIP());
        assertEquals(false, peers.getSpec().getPublishNotReadyAddresses());
        assertEquals(5443, peers.getSpec().getPorts().get(0).getPort());
        assertEquals(Map.of("app", "registry-cache"), peers.getSpec().getSelector());

        PersistentVolumeClaim pvc = contents.named(PersistentVolumeClaim.class, "registry-cache-data")
                .orElseThrow();
        assertEquals(List.of("ReadWriteMany"), pvc.getSpec().getAccessModes());
        assertEquals(new Quantity("60Gi"), KubernetesObjectRules.storage(pvc));

        PodDisruptionBudget pdb = contents.all(PodDisruptionBudget.class).get(0);
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());

        Secret secret = contents.named(Secret.class, "registry-cache-peers").orElseThrow();
        assertTrue(
                secret.getStringData().get("secret").length() < 16,
                "the placeholder must be refused (under 16 characters), never used");
        assertEquals(
                Set.of("registry-cache-certs", "registry-cache-htpasswd", "registry-cache-pull-secret"),
                contents.secretsNotDefined());
        // (the folder check makes sure that README.md tells how to make each of them)

        CronJob cleaner =
                contents.named(CronJob.class, "registry-cache-cleaner").orElseThrow();
        assertEquals("Forbid", cleaner.getSpec().getConcurrencyPolicy());
        Container c = cleaner.getSpec()
                .getJobTemplate()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        assertEquals(
                List.of("cleaner", "--once"),
                c.getCommand().subList(c.getCommand().size() - 2, c.getCommand().size()));
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());

        Route route = contents.named(Route.class, "registry-cache").orElseThrow();
        assertEquals("passthrough", route.getSpec().getTls().getTermination());
        assertEquals("registry-cache", route.getSpec().getTo().getName());
    }

    @Test
    void catchesReferencesBrokenAcrossFiles(@TempDir Path dir) throws Exception {
        assertRefused(
                dir,
                "service.yaml",
                s -> s.replace(
                        "  selector:\n    app: registry-cache\n  ports:\n  - name: registry",
                        "  selector:\n    app: registry-cach\n  ports:\n  - name: registry"),
                "selects no Deployment's pods");
        assertRefused(
                dir,
                "service.yaml",
                s -> s.replace("    port: 5443", "    port: 5444").replace("targetPort: peers", "targetPort: 5444"),
                "5444, which Deployment registry-cache does not declare");
        assertRefused(dir, "service.yaml", s -> s.replace("clusterIP: None", "clusterIP: \"\""), "must be headless");
        assertRefused(dir, "deployment.yaml", s -> s.replace("value: \"5443\"", "value: \"5444\""), "PEER_PORT 5444");
        assertRefused(
                dir,
                "deployment.yaml",
                s -> s.replace("claimName: registry-cache-data ", "claimName: registry-cache "),
                "claims registry-cache, which no file defines");
        assertRefused(
                dir,
                "deployment.yaml",
                s -> s.replace("- name: POD_NAMESPACE", "- name: NAMESPACE"),
                "refers to $(POD_NAMESPACE), which is not set before it");
        assertRefused(
                dir,
                "deployment.yaml",
                s -> s.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"),
                "readOnlyRootFilesystem true");
        assertRefused(dir, "deployment.yaml", s -> s.replace("mountPath: /tmp", "mountPath: /scratch"), "/tmp");
        assertRefused(
                dir,
                "deployment.yaml",
                s -> s.replace("secretName: registry-cache-certs", "secretName: registry-cache-cert"),
                "Secret registry-cache-cert is mounted, but neither a file here defines it nor README.md makes it");
        assertRefused(
                dir,
                "deployment.yaml",
                s -> s.replace("- name: CLEANER_LEASE_TERM ", "- name: CLEANER_LEASE_TIME "),
                "env CLEANER_LEASE_TIME is no setting of registry-cache");
        assertRefused(dir, "pvc.yaml", s -> s.replace("- ReadWriteMany", "- ReadWriteOnce"), "must be ReadWriteMany");
        assertRefused(dir, "pvc.yaml", s -> s.replace("storage: 60Gi", "storage: 40Gi"), "is less than the 40G +20%");
        assertRefused(
                dir,
                "pdb.yaml",
                s -> s.replace("app: registry-cache\n", "app: registry-cache-cleaner\n"),
                "selects no Deployment's pods");
        assertRefused(
                dir,
                "secret-peers.yaml",
                s -> s.replace("  secret: ", "  key: "),
                "PEER_SECRET_FILE /peer/secret is key secret of Secret registry-cache-peers, which has no such key");
        assertRefused(
                dir,
                "cronjob-cleaner.yaml",
                s -> s.replace("value: \"40G\"", "value: \"30G\""),
                "CLEANER_MAXSIZE and CLEANER_THRESHOLD_PERCENTAGE must agree");
        assertRefused(
                dir,
                "route.yaml",
                s -> s.replace("name: registry-cache\n    weight", "name: registry\n    weight"),
                "leads to Service registry, which no file defines");
    }

    /** The folder with one file changed is refused, with a message that says why. */
    private static void assertRefused(Path dir, String file, UnaryOperator<String> change, String expected)
            throws IOException {
        KubernetesInstallations.assertRefused(dir, KubernetesInstallations::onASharedVolume, file, change, expected);
    }
}
