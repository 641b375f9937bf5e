package dev.registrycache.common.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The driver contract over a folder. */
class FileDriverContractTest extends StorageDriverContract {
    @TempDir
    Path dir;

    @Override
    StorageDriver newDriver() {
        return new FileDriver(dir);
    }

    @Override
    boolean readersOutliveDeletes() {
        return true;
    }
}
