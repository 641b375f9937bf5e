package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.s3.S3Driver;
import dev.registrycache.testsupport.S3Bucket;
import dev.registrycache.testsupport.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The datastore contract over an S3 bucket: {@link DriverDatastore} over {@link S3Driver}, against
 * s3proxy (one for the class; each test under a prefix of its own).
 */
class S3DatastoreContractTest extends DatastoreContract {
    @RegisterExtension
    static final S3Bucket BUCKET = new S3Bucket();

    @TempDir
    Path scratch;

    private S3Driver opened;
    private String prefix;

    @Override
    Datastore newDatastore() throws IOException {
        prefix = "t-" + UUID.randomUUID();
        opened = S3Driver.open(
                S3Settings.from(s3().environment(prefix)),
                S3Driver.Options.of(scratch).withIdleTimeout(Duration.ofSeconds(10)));
        return new DriverDatastore(opened);
    }

    @AfterEach
    void closeDriver() {
        if (opened != null) {
            opened.close();
        }
    }

    /** S3 sets an object's write time itself: the test backdates the file s3proxy keeps it in. */
    @Override
    void storeWrittenAt(Digest digest, byte[] bytes, long millis) throws IOException {
        store.putBlob(REPO, digest, bytes);
        Path file = s3().storage().resolve(S3Server.BUCKET).resolve(prefix).resolve(StoreKeys.blobData(digest));
        Files.setLastModifiedTime(file, FileTime.fromMillis(millis));
    }

    @Override
    boolean storeKeepsEmptyFolders() {
        return false;
    }

    private static S3Server s3() {
        return BUCKET.server();
    }
}
