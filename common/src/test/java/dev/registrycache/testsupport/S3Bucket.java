package dev.registrycache.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The datastore in {@link S3Server}'s bucket, for a test class's S3 variant: one s3proxy per
 * class (it takes seconds to start), registered as a static extension so that it runs before the
 * class's own {@code @BeforeAll}; each DATA_DIR gets a prefix of its own, so tests keep apart.
 *
 * <pre>{@code
 * class PullThroughOnS3E2ETest extends PullThroughE2ETest {
 *   @RegisterExtension static final S3Bucket BUCKET = new S3Bucket();
 *   @Override TestStore store() { return BUCKET; }
 * }
 * }</pre>
 */
public final class S3Bucket implements TestStore, BeforeAllCallback, AfterAllCallback {
    private S3Server server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = S3Server.plain();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    /** The s3proxy of the running class. */
    public S3Server server() {
        if (server == null) {
            throw new IllegalStateException("S3Bucket is used before its class started: register it as a static field");
        }
        return server;
    }

    /** The prefix of the store of {@code dataDir} in the bucket, without its final slash. */
    public String prefix(Path dataDir) {
        return "t" + dataDir.toAbsolutePath().normalize();
    }

    @Override
    public Map<String, String> environment(Path dataDir) {
        return server().environment(prefix(dataDir));
    }

    @Override
    public void copyTo(Path dataDir, Path folder) throws IOException {
        String prefix = prefix(dataDir) + "/";
        for (String key : server().client().keys(prefix + "docker/")) {
            Path target = folder.resolve(key.substring(prefix.length()));
            Files.createDirectories(target.getParent());
            Files.write(target, server().client().get(key).orElseThrow(() -> new IOException(key + " is gone")));
        }
    }

    @Override
    public String toString() {
        return "s3";
    }
}
