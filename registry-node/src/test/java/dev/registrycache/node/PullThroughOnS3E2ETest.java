package dev.registrycache.node;

import dev.registrycache.testsupport.S3Bucket;
import dev.registrycache.testsupport.TestStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link PullThroughE2ETest} with the datastore in an S3 bucket (s3proxy). */
@Tag("e2e")
class PullThroughOnS3E2ETest extends PullThroughE2ETest {
    @RegisterExtension
    static final S3Bucket BUCKET = new S3Bucket();

    @Override
    TestStore store() {
        return BUCKET;
    }
}
