package dev.registrycache.testsupport;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.common.store.location.StoreLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Where an end-to-end test's processes keep their datastore: in DATA_DIR ({@link #FILES}) or in
 * an S3 bucket ({@link S3Bucket}). A suite that concerns the datastore takes one, so that the same
 * tests run over both drivers: its S3 variant is a subclass that hands it an {@link S3Bucket}.
 * The store of a process is named by its DATA_DIR, so that two processes given one DATA_DIR share
 * one store on either driver.
 */
public interface TestStore {
    /** The datastore in DATA_DIR, as without S3_BUCKET. */
    TestStore FILES = new TestStore() {
        @Override
        public Map<String, String> environment(Path dataDir) {
            return Map.of();
        }

        @Override
        public void copyTo(Path dataDir, Path folder) throws IOException {
            copyTree(dataDir.resolve("docker"), folder.resolve("docker"));
        }

        @Override
        public String toString() {
            return "files";
        }
    };

    /** The S3_* variables of a process started with DATA_DIR {@code dataDir}: none for {@link #FILES}. */
    Map<String, String> environment(Path dataDir);

    /**
     * Copies the datastore of {@code dataDir} into {@code folder} in the file layout
     * ({@code folder/docker/registry/v2/...}), where the stock registry can serve it.
     */
    void copyTo(Path dataDir, Path folder) throws IOException;

    /** The store of a process in-process: for NodeConfig, GatewayConfig. */
    default StoreLocation location(Path dataDir) {
        return StoreLocation.of(dataDir, environment(dataDir));
    }

    /** The datastore of {@code dataDir} opened for the test's own looks and changes; close it. */
    default Datastore open(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        return location(dataDir).open("test-" + Opened.COUNT.incrementAndGet(), new Metrics());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** Keeps the scratch folders of the test's datastores apart. */
    final class Opened {
        private static final AtomicInteger COUNT = new AtomicInteger();

        private Opened() {}
    }
}
