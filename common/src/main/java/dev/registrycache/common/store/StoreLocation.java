package dev.registrycache.common.store;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.s3.S3Driver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where a process keeps the datastore, chosen once at start: the folder DATA_DIR, or the S3
 * bucket S3_BUCKET names. With a bucket, DATA_DIR still holds this host's own files: the bytes of
 * the uploads in progress (read by the blobs' first readers while they go to the bucket), each
 * process in its own folder under {@value #SCRATCH}, emptied when the process starts, since
 * nothing outlives the process that wrote it there.
 */
public record StoreLocation(Path dataDir, Optional<S3Settings> s3) {
    /** The folder, under DATA_DIR, of the local bytes of the S3 uploads. */
    public static final String SCRATCH = ".s3-uploads";

    /** DATA_DIR, or S3 if the environment sets S3_BUCKET (validated: see {@link S3Settings#fromEnvironment}). */
    public static StoreLocation of(Path dataDir, Map<String, String> env) {
        return new StoreLocation(dataDir, S3Settings.fromEnvironment(env));
    }

    /** The datastore in the folder {@code dataDir}. */
    public static StoreLocation folder(Path dataDir) {
        return new StoreLocation(dataDir, Optional.empty());
    }

    /** This location with the datastore in {@code bucket}, DATA_DIR for the local bytes. */
    public StoreLocation inBucket(S3Settings bucket) {
        return new StoreLocation(dataDir, Optional.of(bucket));
    }

    /**
     * Opens the datastore for the process named {@code process} (a folder name: {@code
     * node-quay.io}, {@code gateway}). A bucket is checked first (it answers with these
     * credentials, it honours conditional writes): an IOException says what is wrong. Close it when
     * the process stops. The bucket's requests are counted in {@code metrics}.
     */
    public Datastore open(String process, Metrics metrics) throws IOException {
        if (s3.isEmpty()) {
            return new FileDatastore(dataDir);
        }
        Path scratch = dataDir.resolve(SCRATCH).resolve(process);
        FileDatastore.deleteTree(scratch); // a previous run's bytes: no reader is left
        Files.createDirectories(scratch);
        return new DriverDatastore(S3Driver.open(s3.get(), S3Driver.Options.of(scratch), metrics));
    }

    /** For log lines: the folder, or {@code s3://bucket/prefix at endpoint}. */
    public String describe() {
        return s3.map(b ->
                        "s3://" + b.bucket() + (b.prefix().isEmpty() ? "" : "/" + b.prefix()) + " at " + b.endpoint())
                .orElse(dataDir.toString());
    }
}
