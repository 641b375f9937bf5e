package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.supervisor.KubernetesManifestFolder.Contents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The two scale-out installations of docker/kubernetes/, read as docker/kubernetes/README.md applies
 * them: on a ReadWriteMany volume, every file of the folder; on an S3 bucket, the files of s3/ with
 * the folder's files that do not hold the datastore ({@link #SHARED_WITH_S3}). Both go by the same
 * README, which makes the Secrets no file defines.
 */
final class KubernetesInstallations {
    static final Path FOLDER = ContainerHost.ROOT.resolve("docker/kubernetes");
    /** The folder of the S3 variant, below {@link #FOLDER}. */
    static final String S3 = "s3";
    /** The files of {@link #FOLDER} that the S3 variant applies too: not the claim, nor the CronJob that mounts it. */
    static final List<String> SHARED_WITH_S3 = List.of("service.yaml", "pdb.yaml", "secret-peers.yaml", "route.yaml");

    private KubernetesInstallations() {}

    /** How to read an installation from a copy of docker/kubernetes/ at {@code root}. */
    interface Reader {
        Contents read(Path root) throws IOException;
    }

    /** The scale-out on one ReadWriteMany volume, every file of {@code root}. */
    static Contents onASharedVolume(Path root) throws IOException {
        return KubernetesManifestFolder.read(root);
    }

    /** The scale-out on an S3 bucket: every file of {@code root}/s3/, and {@link #SHARED_WITH_S3}. */
    static Contents onS3(Path root) throws IOException {
        return KubernetesManifestFolder.read(onS3Files(root), root.resolve("README.md"));
    }

    static List<Path> onS3Files(Path root) throws IOException {
        List<Path> files = new ArrayList<>(KubernetesManifestFolder.manifests(root.resolve(S3)));
        SHARED_WITH_S3.forEach(f -> files.add(root.resolve(f)));
        return files;
    }

    /**
     * A copy of docker/kubernetes/ in {@code dir} with {@code file} (a path below it; a new file
     * starts empty) changed, read as {@code installation}, is refused, with a message that says why.
     */
    static void assertRefused(Path dir, Reader installation, String file, UnaryOperator<String> change, String expected)
            throws IOException {
        Path copy = Files.createTempDirectory(dir, "k8s");
        try (Stream<Path> tree = Files.walk(FOLDER)) {
            for (Path f : tree.toList()) {
                Path to = copy.resolve(FOLDER.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        Path changed = copy.resolve(file);
        String before = Files.exists(changed) ? Files.readString(changed) : "";
        String after = change.apply(before);
        assertTrue(!after.equals(before), "the change to " + file + " applies");
        Files.writeString(changed, after);
        String message = assertThrows(AssertionError.class, () -> installation.read(copy))
                .getMessage();
        assertTrue(message.contains(expected), "expected '" + expected + "' in:\n" + message);
    }
}
