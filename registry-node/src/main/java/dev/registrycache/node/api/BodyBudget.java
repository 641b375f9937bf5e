package dev.registrycache.node.api;

import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The bytes of manifest and tag-list bodies that requests may hold in memory at once, shared by
 * all requests of the node, so that no number of concurrent requests can fill the heap. A
 * request reserves what it is about to hold before it reads a body (from the upstream, the
 * disk or the in-memory cache) and gives it back when its response has been written. A request
 * that cannot get its bytes within {@link #WAIT_MILLIS} is answered {@code 503 UNAVAILABLE}
 * with {@code Retry-After}; the node stays up and answers the others.
 */
public final class BodyBudget {
    /** How long a request waits for bytes before it is answered 503. */
    static final long WAIT_MILLIS = 5_000;
    /** Never less than this, so that the largest tag list (16 MiB) always fits. */
    static final int MIN_BYTES = 24 << 20;

    private final int totalBytes;
    private final long waitMillis;
    private final Semaphore bytes;

    BodyBudget(int totalBytes, long waitMillis) {
        this.totalBytes = totalBytes;
        this.waitMillis = waitMillis;
        this.bytes = new Semaphore(totalBytes, true);
    }

    /** A quarter of the heap: what is left beside the manifest cache, buffers and the server's own objects. */
    public static BodyBudget forHeap(long maxHeapBytes) {
        return new BodyBudget((int) Math.min(Integer.MAX_VALUE, Math.max(MIN_BYTES, maxHeapBytes / 4)), WAIT_MILLIS);
    }

    public int totalBytes() {
        return totalBytes;
    }

    /** Bytes no request holds right now. */
    public int availableBytes() {
        return bytes.availablePermits();
    }

    /** A new request's share, empty until it reserves. */
    public Share share() {
        return new Share();
    }

    /** The bytes one request holds; released all at once when its response is done. */
    public final class Share implements AutoCloseable {
        private long held;
        private boolean released;

        private Share() {}

        /** Waits for {@code count} more bytes; throws a 503 {@link RegistryException} if they do not come. */
        public void reserve(long count) {
            if (count <= 0) {
                return;
            }
            if (count > totalBytes) {
                throw busy(count);
            }
            try {
                if (!bytes.tryAcquire((int) count, waitMillis, TimeUnit.MILLISECONDS)) {
                    throw busy(count);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw busy(count);
            }
            synchronized (this) {
                if (!released) {
                    held += count;
                    return;
                }
            }
            bytes.release((int) count); // the request ended while it waited
            throw busy(count);
        }

        /** Gives back {@code count} of the bytes held, e.g. those reserved for a body that turned out smaller. */
        public synchronized void release(long count) {
            long giveBack = Math.min(count, held);
            if (giveBack > 0) {
                held -= giveBack;
                bytes.release((int) giveBack);
            }
        }

        /** Gives back all bytes held so far, e.g. those of a body that will not be sent after all. */
        public synchronized void releaseHeld() {
            release(held);
        }

        /** The request is done: gives back everything and reserves nothing afterwards. Safe to call twice. */
        public synchronized void close() {
            releaseHeld();
            released = true;
        }

        private RegistryException busy(long count) {
            return new RegistryException(
                    ErrorCode.UNAVAILABLE,
                    "the node is busy: the " + (totalBytes >> 20)
                            + " MiB it gives to manifests and tag lists in flight are taken; retry shortly",
                    Map.of("neededBytes", count, "budgetBytes", totalBytes),
                    1,
                    null);
        }
    }
}
