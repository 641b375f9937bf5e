package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker/kubernetes/s3/, the scale-out installation on an S3 bucket: read with the folder's files it
 * shares ({@link KubernetesInstallations#onS3}), every object valid and every reference right, the
 * S3 settings valid as the product reads them, no ReadWriteMany claim anywhere, and its Deployment
 * the shared volume's but for the datastore.
 */
class KubernetesS3ManifestsTest {
    private static final Path FOLDER = KubernetesInstallations.FOLDER;
    /** The section of docker/kubernetes/README.md that installs the variant. */
    static final String README_SECTION = "## On an S3 bucket instead of a shared volume";

    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Test
    void theVariantIsReadWithTheFilesItSharesAndHoldsNoClaim() throws Exception {
        Set<String> files;
        try (var list = Files.list(FOLDER.resolve(KubernetesInstallations.S3))) {
            files = list.map(f -> f.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(Set.of("deployment.yaml", "secret-s3.yaml"), files, "a new file here is part of the variant");
        var contents = KubernetesInstallations.onS3(FOLDER);
        assertEquals(
                Map.of("Deployment", 1L, "Service", 2L, "PodDisruptionBudget", 1L, "Secret", 2L, "Route", 1L),
                contents.objects().stream().collect(Collectors.groupingBy(o -> o.getKind(), Collectors.counting())),
                "no PersistentVolumeClaim, and no CronJob (the shared volume's cleaner)");
        assertEquals(
                Set.of("registry-cache-certs", "registry-cache-htpasswd", "registry-cache-pull-secret"),
                contents.secretsNotDefined());
        Secret credentials = contents.named(Secret.class, "registry-cache-s3").orElseThrow();
        assertTrue(
                credentials.getStringData().get("credentials").contains("aws_access_key_id = CHANGE-ME"),
                "a placeholder any store refuses, never a key that works");
    }

    @Test
    void theReplicasKeepTheDatastoreInTheBucketAndOnlyTheirUploadsInAnEmptyDir() throws Exception {
        PodSpec pod = s3Deployment().getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        Map<String, String> env = KubernetesScaleOutRules.literalEnv(c);
        assertEquals("registry-cache", env.get("S3_BUCKET"));
        assertEquals("/s3/credentials", env.get("S3_CREDENTIALS_FILE"));
        Map<String, String> mounts =
                c.getVolumeMounts().stream().collect(Collectors.toMap(m -> m.getMountPath(), m -> m.getName()));
        Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        assertNotNull(volumes.get(mounts.get("/var/lib/registry")).getEmptyDir());
        assertEquals(
                "registry-cache-s3", volumes.get(mounts.get("/s3")).getSecret().getSecretName());
        assertTrue(pod.getVolumes().stream().allMatch(v -> v.getPersistentVolumeClaim() == null));
    }

    /**
     * The two Deployments differ in the datastore alone: the S3 variables, the data volume, the
     * credentials' volume, the cleaner's bound and the resources; the rest (peers, probes, security,
     * Secrets) is changed in both files or in neither.
     */
    @Test
    void theDeploymentIsTheSharedVolumesButForTheDatastore() throws Exception {
        Deployment shared = KubernetesInstallations.onASharedVolume(FOLDER)
                .named(Deployment.class, "registry-cache")
                .orElseThrow();
        assertEquals(
                JSON.writeValueAsString(withoutTheDatastore(shared)),
                JSON.writeValueAsString(withoutTheDatastore(s3Deployment())));
    }

    /** The Deployment's pod template without what holds or bounds the datastore. */
    private static PodSpec withoutTheDatastore(Deployment d) throws IOException {
        PodSpec pod =
                JSON.readValue(JSON.writeValueAsString(d.getSpec().getTemplate().getSpec()), PodSpec.class);
        Set<String> datastore = Set.of("data", "s3-credentials");
        pod.getVolumes().removeIf(v -> datastore.contains(v.getName()));
        for (Container c : pod.getContainers()) {
            c.getVolumeMounts().removeIf(m -> datastore.contains(m.getName()));
            c.getEnv()
                    .removeIf(e -> e.getName().startsWith("S3_") || e.getName().equals("CLEANER_MAXSIZE"));
            c.setResources(null);
        }
        return pod;
    }

    /** What the README's section on S3 applies is what this test validates. */
    @Test
    void theReadmeAppliesTheVariantsFiles() throws Exception {
        String readme = Files.readString(FOLDER.resolve("README.md"));
        int start = readme.indexOf("\n" + README_SECTION + "\n");
        assertTrue(start >= 0, "docker/kubernetes/README.md has the section " + README_SECTION);
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        Set<String> installation = new TreeSet<>();
        for (Path f : KubernetesInstallations.onS3Files(FOLDER)) {
            installation.add(FOLDER.relativize(f).toString());
        }
        Set<String> applied = new TreeSet<>();
        for (Matcher apply = Pattern.compile("-f docker/kubernetes/([\\w./-]+)").matcher(section); apply.find(); ) {
            applied.add(apply.group(1));
        }
        assertTrue(applied.contains("s3/deployment.yaml"), "the section installs the variant: " + applied);
        assertTrue(installation.containsAll(applied), applied + " are all validated here, as " + installation);
    }

    @Test
    void catchesWhatBreaksTheVariant(@TempDir Path dir) throws Exception {
        String claim = Files.readString(FOLDER.resolve("pvc.yaml"));
        assertRefused(
                dir,
                "s3/deployment.yaml",
                s -> s.replaceAll(
                        "      - name: data\n        emptyDir:\n          sizeLimit: 10Gi[^\n]*\n( *#[^\n]*\n)*",
                        "      - name: data\n        persistentVolumeClaim:\n          claimName: registry-cache-data\n"),
                "on S3 the datastore is the bucket: the pod mounts no PersistentVolumeClaim, but volume data claims"
                        + " registry-cache-data");
        assertRefused(dir, "s3/pvc.yaml", s -> claim, "registry-cache-data: no pod mounts it");
        assertRefused(
                dir,
                "s3/deployment.yaml",
                s -> s.replace("mountPath: /var/lib/registry", "mountPath: /var/lib/registry-data"),
                "on S3, DATA_DIR /var/lib/registry holds only this pod's uploads in flight");
        assertRefused(
                dir,
                "s3/secret-s3.yaml",
                s -> s.replace("  credentials: |", "  aws-credentials: |"),
                "S3_CREDENTIALS_FILE /s3/credentials is key credentials of Secret registry-cache-s3, which has no such"
                        + " key");
        assertRefused(dir, "s3/secret-s3.yaml", s -> s.replace("[default]", "[cache]"), "no [default] profile");
        assertRefused(
                dir,
                "s3/deployment.yaml",
                s -> s.replace(
                        "        - name: s3-credentials                 # S3_CREDENTIALS_FILE /s3/credentials\n"
                                + "          mountPath: /s3\n          readOnly: true\n",
                        ""),
                "S3_CREDENTIALS_FILE /s3/credentials must come from a Secret volume");
        assertRefused(
                dir,
                "s3/deployment.yaml",
                s -> s.replace("- name: S3_BUCKET ", "- name: S3_BUKET "),
                "env S3_BUKET is no setting of registry-cache");
        assertRefused(
                dir,
                "s3/deployment.yaml",
                s -> s.replace("value: \"https://s3.example.com\"", "value: \"https://s3.example.com/registry-cache\""),
                "S3_ENDPOINT: 'https://s3.example.com/registry-cache': expected http(s)://host[:port]");
        assertRefused(
                dir,
                "s3/deployment.yaml",
                s -> s.replace(
                        "        - name: S3_CREDENTIALS_FILE ",
                        "        - name: AWS_ACCESS_KEY_ID\n          value: \"AKIAEXAMPLE\"\n"
                                + "        - name: S3_CREDENTIALS_FILE "),
                "AWS_ACCESS_KEY_ID is written in the manifest: take it from a Secret");
        assertRefused(
                dir,
                "s3/deployment.yaml",
                s -> s.replace(
                        "        - name: S3_CREDENTIALS_FILE ",
                        "        - name: S3_SECRET_ACCESS_KEY\n          valueFrom:\n            secretKeyRef:\n"
                                + "              name: registry-cache-s3\n              key: secret-access-key\n"
                                + "        - name: S3_CREDENTIALS_FILE "),
                "env S3_SECRET_ACCESS_KEY is key secret-access-key of Secret registry-cache-s3, which has no such key");
    }

    private static Deployment s3Deployment() throws IOException {
        return KubernetesInstallations.onS3(FOLDER)
                .named(Deployment.class, "registry-cache")
                .orElseThrow();
    }

    private static void assertRefused(Path dir, String file, UnaryOperator<String> change, String expected)
            throws IOException {
        KubernetesInstallations.assertRefused(dir, KubernetesInstallations::onS3, file, change, expected);
    }
}
