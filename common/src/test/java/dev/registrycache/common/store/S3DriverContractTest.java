package dev.registrycache.common.store;

import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.s3.S3Driver;
import dev.registrycache.testsupport.S3Bucket;
import dev.registrycache.testsupport.S3Server;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver contract over an S3 bucket (s3proxy, one for the class; each test under a prefix of
 * its own). A reader of a deleted object is not asked to keep reading: S3Driver says when it can.
 */
class S3DriverContractTest extends StorageDriverContract {
    @RegisterExtension
    static final S3Bucket BUCKET = new S3Bucket();

    @TempDir
    Path scratch;

    private S3Driver opened;

    @Override
    StorageDriver newDriver() throws Exception {
        opened = S3Driver.open(
                S3Settings.from(s3().environment("t-" + UUID.randomUUID())),
                S3Driver.Options.of(scratch).withIdleTimeout(Duration.ofSeconds(10)));
        return opened;
    }

    @AfterEach
    void closeDriver() {
        if (opened != null) {
            opened.close();
        }
    }

    @Override
    boolean readersOutliveDeletes() {
        return false;
    }

    private static S3Server s3() {
        return BUCKET.server();
    }
}
