package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;

/** The contract on the datastore the other modules' unit tests use, so that they test what the file system does. */
class InMemoryDatastoreContractTest extends DatastoreContract {
    @Override
    Datastore newDatastore() {
        return new InMemoryDatastore();
    }

    @Override
    void storeWrittenAt(Digest digest, byte[] bytes, long millis) {
        ((InMemoryDatastore) store).putBlobAt(digest, bytes, millis);
    }
}
