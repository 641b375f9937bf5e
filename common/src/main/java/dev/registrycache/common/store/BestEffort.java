package dev.registrycache.common.store;

import java.io.IOException;
import java.util.List;

/**
 * The driver's listings and tree deletes as the datastore's walks take them (the prune, the
 * upload scan, the browsing): a folder that cannot be read counts as empty and a tree that cannot
 * be deleted is left, both for the next look or pass, instead of failing the whole walk.
 */
final class BestEffort {
    private BestEffort() {}

    /** The names in {@code folder}; none if it is gone or the store failed. */
    static List<String> names(StorageDriver driver, String folder) {
        try {
            return driver.list(folder);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Deletes the tree under {@code folder}; what fails is left for the next pass. */
    static void deleteTree(StorageDriver driver, String folder) {
        try {
            driver.deleteTree(folder);
        } catch (IOException e) {
            // left for the next pass
        }
    }
}
