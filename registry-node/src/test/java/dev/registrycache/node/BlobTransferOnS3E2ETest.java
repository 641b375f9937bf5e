package dev.registrycache.node;

import dev.registrycache.testsupport.S3Bucket;
import dev.registrycache.testsupport.TestStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link BlobTransferE2ETest} with the datastore in an S3 bucket (s3proxy). */
@Tag("e2e")
class BlobTransferOnS3E2ETest extends BlobTransferE2ETest {
    @RegisterExtension
    static final S3Bucket BUCKET = new S3Bucket();

    @Override
    TestStore store() {
        return BUCKET;
    }
}
