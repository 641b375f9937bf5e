package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.io.TempDir;

/** The contract on distribution's file layout, in a fresh folder per test. */
class FileDatastoreContractTest extends DatastoreContract {
    @TempDir
    Path dir;

    @Override
    Datastore newDatastore() {
        return new FileDatastore(dir);
    }

    /** Backdates the file's write and access times: what a scan reads as the blob's last use. */
    @Override
    void storeWrittenAt(Digest digest, byte[] bytes, long millis) throws IOException {
        store.putBlob(REPO, digest, bytes);
        FileTime time = FileTime.fromMillis(millis);
        Path data = ((FileDatastore) store).layout().blobData(digest);
        Files.getFileAttributeView(data, BasicFileAttributeView.class).setTimes(time, time, null);
    }
}
