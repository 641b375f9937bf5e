package dev.registrycache.supervisor;

import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.settings.Setting;
import dev.registrycache.supervisor.KubernetesManifestFolder.Contents;
import dev.registrycache.supervisor.KubernetesManifestFolder.FileSource;
import dev.registrycache.supervisor.KubernetesManifestFolder.Workload;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What registry-cache needs of a pod whose datastore is an S3 bucket (S3_BUCKET set; the variant
 * docker/kubernetes/s3/): its S3 settings valid as the product reads them at start ({@link
 * S3Settings}), with the files and Secret values they name as the pod will see them; keys never
 * written in the manifest; DATA_DIR the pod's own emptyDir, since it holds only the uploads' bytes
 * in flight, and no claim mounted at all: the bucket is the datastore, and a shared volume beside it
 * would be a second, unused one. Pods without S3_BUCKET get their S3_* variables checked too: one
 * without the bucket stops the start.
 */
final class KubernetesS3Rules {
    /** The variables that hold keys: taken from a Secret (valueFrom), never written in the manifest. */
    private static final List<Setting> KEYS = List.of(
            Setting.S3_ACCESS_KEY_ID,
            Setting.S3_SECRET_ACCESS_KEY,
            Setting.AWS_ACCESS_KEY_ID,
            Setting.AWS_SECRET_ACCESS_KEY,
            Setting.AWS_SESSION_TOKEN);
    /** Stands for a credentials file no file of the installation holds (a Secret made by hand). */
    private static final String SOME_CREDENTIALS =
            "[default]\naws_access_key_id = made-by-hand\naws_secret_access_key = made-by-hand\n";

    private KubernetesS3Rules() {}

    /** Whether the container keeps the datastore in a bucket. */
    static boolean onS3(Container c) {
        return c.getEnv().stream().anyMatch(e -> e.getName().equals(Setting.S3_BUCKET.env()));
    }

    static void check(Contents contents, Workload w, Container c, List<String> problems) {
        String where = w.where() + " container " + c.getName();
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null && KEYS.stream().anyMatch(s -> s.env().equals(e.getName()))) {
                problems.add(where + ": " + e.getName() + " is written in the manifest: take it from a Secret"
                        + " (valueFrom.secretKeyRef), or mount an AWS credentials file as S3_CREDENTIALS_FILE");
            }
        }
        settings(contents, w, c, where, problems);
        if (!onS3(c)) {
            return;
        }
        Map<String, String> env = KubernetesScaleOutRules.literalEnv(c);
        String dataDir = Setting.DATA_DIR.resolve(null, env);
        Optional<FileSource> data = KubernetesManifestFolder.fileSource(w, c, dataDir + "/x");
        if (data.isEmpty() || data.get().volume().getEmptyDir() == null) {
            problems.add(where + ": on S3, DATA_DIR " + dataDir + " holds only this pod's uploads in flight: it must"
                    + " be an emptyDir of the pod's own");
        }
        for (Volume v : w.pod().getVolumes()) {
            if (v.getPersistentVolumeClaim() != null) {
                problems.add(where + ": on S3 the datastore is the bucket: the pod mounts no PersistentVolumeClaim,"
                        + " but volume " + v.getName() + " claims "
                        + v.getPersistentVolumeClaim().getClaimName());
            }
        }
        String credentials = env.get(Setting.S3_CREDENTIALS_FILE.env());
        if (credentials != null) {
            KubernetesScaleOutRules.secretFile(
                    contents, w, c, Setting.S3_CREDENTIALS_FILE.env(), credentials, problems);
        }
        String ca = env.get(Setting.S3_CA_FILE.env());
        if (ca != null && KubernetesManifestFolder.fileSource(w, c, ca).isEmpty()) {
            problems.add(where + ": S3_CA_FILE " + ca + " comes from no volume");
        }
    }

    /**
     * The S3 settings as {@link S3Settings#fromEnvironment} reads them in the pod: literal values as
     * written, values from a Secret of the installation as it holds them, the files S3_CREDENTIALS_FILE
     * and S3_CA_FILE with what their Secret holds (written to a temporary folder for the reading).
     */
    private static void settings(Contents contents, Workload w, Container c, String where, List<String> problems) {
        Path folder;
        try {
            folder = Files.createTempDirectory("k8s-s3-settings");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            S3Settings.fromEnvironment(asThePodReadsIt(contents, w, c, folder));
        } catch (ConfigException e) {
            problems.add(where + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try (var files = Files.list(folder)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
                Files.delete(folder);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Map<String, String> asThePodReadsIt(Contents contents, Workload w, Container c, Path folder)
            throws IOException {
        Map<String, String> env = new HashMap<>();
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            } else {
                env.put(
                        e.getName(),
                        KubernetesManifestFolder.secretKeyRef(e)
                                .flatMap(ref -> contents.named(Secret.class, ref.getName())
                                        .flatMap(s -> KubernetesObjectRules.secretValue(s, ref.getKey())))
                                .orElse("from-the-pod"));
            }
        }
        for (Setting file : List.of(Setting.S3_CREDENTIALS_FILE, Setting.S3_CA_FILE)) {
            String path = env.get(file.env());
            if (path != null) {
                String content = fromSecret(contents, w, c, path).orElse(SOME_CREDENTIALS);
                env.put(
                        file.env(),
                        Files.writeString(folder.resolve(file.name()), content).toString());
            }
        }
        return env;
    }

    /** What the file at {@code path} holds if it is a key of a Secret the installation defines. */
    private static Optional<String> fromSecret(Contents contents, Workload w, Container c, String path) {
        return KubernetesManifestFolder.fileSource(w, c, path)
                .filter(source -> source.volume().getSecret() != null)
                .flatMap(source -> contents.named(
                                Secret.class, source.volume().getSecret().getSecretName())
                        .flatMap(s -> KubernetesObjectRules.secretValue(
                                s, KubernetesManifestFolder.secretKey(source.volume(), source.path()))));
    }
}
