package dev.registrycache.node.api;

import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The direct buffers through which responses follow blob downloads, {@link #COUNT} of {@link
 * #SIZE} bytes at most for the whole node, each held by one response until it ends. Direct, so
 * the socket writes need no temporary copy; counted, so that a crowd of clients cannot exhaust the
 * node's direct memory (a buffer per reader did, for a few hundred readers, and requests that had
 * nothing to do with the crowd failed). A response that gets no buffer within {@link
 * #WAIT_MILLIS} is answered {@code 503} with {@code Retry-After}.
 */
public final class TransferBuffers {
    static final int SIZE = 256 * 1024;
    static final int COUNT = 64;
    static final long WAIT_MILLIS = 5_000;

    private final Semaphore free = new Semaphore(COUNT);
    private final ConcurrentLinkedQueue<ByteBuffer> pool = new ConcurrentLinkedQueue<>();

    /** A buffer, cleared; give it back with {@link #give}. Throws a 503 when none comes free in time. */
    public ByteBuffer take() {
        try {
            if (!free.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw busy(null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy(e);
        }
        ByteBuffer buffer = pool.poll();
        return buffer == null ? ByteBuffer.allocateDirect(SIZE) : buffer.clear();
    }

    public void give(ByteBuffer buffer) {
        pool.add(buffer);
        free.release();
    }

    private static RegistryException busy(Throwable cause) {
        return new RegistryException(
                ErrorCode.UNAVAILABLE,
                "the node is busy: its " + COUNT + " buffers for blobs being downloaded are taken; retry shortly",
                null,
                1,
                cause);
    }
}
