package dev.registrycache.common.store;

import java.nio.file.Path;

/**
 * The datastore in a folder, in distribution's file-system layout, so that the stock registry can
 * serve the same folder: {@link DriverDatastore} over a {@link FileDriver}.
 */
public final class FileDatastore extends DriverDatastore {
    private final StoreLayout layout;

    public FileDatastore(Path dataDir) {
        this(new FileDriver(dataDir));
    }

    private FileDatastore(FileDriver driver) {
        super(driver);
        this.layout = driver.layout();
    }

    /** Where each object of the store is on the disk. */
    public StoreLayout layout() {
        return layout;
    }

    /** Deletes a tree, deepest first; what cannot be deleted is left for the next pass. */
    public static void deleteTree(Path dir) {
        FileDriver.deleteTree(dir);
    }
}
