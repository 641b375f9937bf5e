package dev.registrycache.node.cache;

import dev.registrycache.common.Digest;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.RegistryException;
import dev.registrycache.common.RepositoryName;
import dev.registrycache.common.store.BlobReader;
import dev.registrycache.common.store.BlobUpload;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One upstream download of a blob that any number of clients read while it is being written.
 * The downloader writes a datastore upload, hashing as bytes pass; readers follow that upload up
 * to what has been written, except the last byte of their response (of the blob, or of the range
 * they asked for), which they get only after the digest is verified and the blob published. So
 * no client ever receives a complete response of corrupt bytes: on a mismatch its transfer
 * breaks off short. The upload exists only once the upstream answered with the blob, so a
 * download the upstream refuses writes nothing.
 */
public final class DownloadInFlight {
    private enum State {
        CONNECTING,
        STREAMING,
        COMPLETE,
        FAILED
    }

    private final Digest digest;
    private final RepositoryName repository;
    private final Object lock = new Object();
    private BlobUpload upload;
    private State state = State.CONNECTING;
    private long size = -1;
    private long written;
    private boolean received;
    private RegistryException failure;

    DownloadInFlight(Digest digest, RepositoryName repository) {
        this.digest = digest;
        this.repository = repository;
    }

    public Digest digest() {
        return digest;
    }

    /** The repository (store name) the download is for, whose name the upstream was asked with. */
    public RepositoryName repository() {
        return repository;
    }

    /** The upload; null until the upstream answered. */
    BlobUpload upload() {
        synchronized (lock) {
            return upload;
        }
    }

    // ---- the downloader's side

    /** The upstream answered with the blob, which is being written to {@code upload}. */
    void streaming(BlobUpload upload, long contentLength) {
        synchronized (lock) {
            this.upload = upload;
            size = contentLength;
            state = State.STREAMING;
            lock.notifyAll();
        }
    }

    void advance(long bytes) {
        synchronized (lock) {
            written += bytes;
            lock.notifyAll();
        }
    }

    /** Every byte arrived and is written; what remains is verifying the digest. */
    void received() {
        synchronized (lock) {
            received = true;
            lock.notifyAll();
        }
    }

    /**
     * For the verifier: blocks until bytes past {@code position} are written (the final byte
     * included) and returns how many are; returns {@code position} when all bytes were received.
     */
    long awaitWritten(long position) throws InterruptedException, IOException {
        synchronized (lock) {
            while (true) {
                if (state == State.FAILED) {
                    throw new IOException("download failed");
                }
                if (written > position || received) {
                    return written;
                }
                lock.wait();
            }
        }
    }

    void complete() {
        synchronized (lock) {
            size = written;
            state = State.COMPLETE;
            lock.notifyAll();
        }
    }

    void fail(RegistryException e) {
        synchronized (lock) {
            if (state != State.COMPLETE) {
                failure = e;
                state = State.FAILED;
                lock.notifyAll();
            }
        }
    }

    // ---- the readers' side

    /**
     * Waits until the upstream answered; returns the blob's size, or -1 when the upstream did not
     * send a length. Throws the download's error if it failed before that.
     */
    public long awaitSize(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (lock) {
            while (state == State.CONNECTING) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new RegistryException(
                            ErrorCode.UNAVAILABLE, "the upstream registry did not answer in time", null, 10, null);
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            if (state == State.FAILED) {
                throw failure;
            }
            return size;
        }
    }

    /**
     * Blocks until bytes from {@code position} on may be sent to a reader whose response ends
     * before {@code end} ({@code -1}: at the end of a blob of unknown length), and returns how far
     * it may read, never past {@code end}; returns {@code position} at the verified end of a blob
     * of unknown length. The response's final byte is readable only once the blob is verified: a
     * whole blob's or a range's, so that no response of unverified bytes ever completes. Throws if
     * the download failed, or made no progress for {@code idleTimeoutMillis}.
     */
    public long awaitReadable(long position, long end, long idleTimeoutMillis)
            throws InterruptedException, IOException {
        long idle = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        long deadline = System.nanoTime() + idle;
        synchronized (lock) {
            long progress = written;
            while (true) {
                if (state == State.FAILED) {
                    throw new IOException("blob download failed: " + failure.getMessage(), failure);
                }
                if (state == State.COMPLETE) {
                    return Math.max(end < 0 ? written : Math.min(written, end), position);
                }
                long readable = end < 0 ? written - 1 : Math.min(written, end - 1);
                if (readable > position) {
                    return readable;
                }
                if (written != progress) {
                    progress = written;
                    deadline = System.nanoTime() + idle;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("blob download stalled");
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
    }

    /** Opens the blob's bytes for reading as they are written, once {@link #awaitSize} returned. */
    public BlobReader open() throws IOException {
        BlobUpload u = upload();
        if (u == null) {
            throw new IllegalStateException("the upstream has not answered yet");
        }
        return u.openReader();
    }
}
