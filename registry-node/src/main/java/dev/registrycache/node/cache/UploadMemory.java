package dev.registrycache.node.cache;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The heap the node gives to the bytes of downloads that the datastore could not take (a full
 * disk), in blocks, for all of them together: however many such blobs are fetched at once, the
 * node holds at most {@link #TOTAL_BYTES} of them. A block goes back as soon as every follower
 * of its upload has read it. Who waits for a block first drops the followers, in every upload, that
 * have not read for {@link SpillableUpload#STALL_NANOS}: a client that stops reading cannot pin
 * the memory the other downloads need.
 */
final class UploadMemory {
    static final int BLOCK = 64 * 1024;
    static final int TOTAL_BYTES = 32 << 20;

    private final Semaphore blocks = new Semaphore(TOTAL_BYTES / BLOCK);
    private final Set<SpillableUpload> holders = ConcurrentHashMap.newKeySet();
    private final Metrics.Gauge held;
    private final String registry;

    /** {@code held}: where the bytes held now are reported, under the label {@code registry}. */
    UploadMemory(Metrics.Gauge held, String registry) {
        this.held = held;
        this.registry = registry;
    }

    /**
     * Lets {@code upload}, a download about to start without the datastore, go ahead if {@code
     * count} blocks are free now (after dropping stalled followers); throws a 503 if not.
     */
    void admit(SpillableUpload upload, int count) {
        if (blocks.availablePermits() < count) {
            dropStalledFollowers();
            if (blocks.availablePermits() < count) {
                throw new RegistryException(
                        ErrorCode.UNAVAILABLE,
                        "the datastore cannot take the blob, and the node's memory for blobs it passes on without "
                                + "storing them is taken; retry shortly",
                        null,
                        1,
                        null);
            }
        }
    }

    /** Takes one block for {@code upload}, waiting while other downloads' followers read theirs. */
    void take(SpillableUpload upload) throws IOException, InterruptedException {
        holders.add(upload);
        while (!blocks.tryAcquire(1, 1, TimeUnit.SECONDS)) {
            upload.requireFollowers();
            dropStalledFollowers();
        }
        report();
    }

    void release(int count) {
        if (count > 0) {
            blocks.release(count);
            report();
        }
    }

    /** {@code upload} holds no block any more. */
    void forget(SpillableUpload upload) {
        holders.remove(upload);
    }

    private void report() {
        held.set((long) (TOTAL_BYTES / BLOCK - blocks.availablePermits()) * BLOCK, registry);
    }

    private void dropStalledFollowers() {
        long now = System.nanoTime();
        for (SpillableUpload upload : holders) {
            upload.dropStalledFollowers(now);
        }
    }
}
