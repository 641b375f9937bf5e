package dev.registrycache.node.cache;

import dev.registrycache.common.Digest;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.RegistryException;
import dev.registrycache.common.RepositoryName;
import dev.registrycache.common.store.BlobReader;
import dev.registrycache.common.store.BlobUpload;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One upstream download of a blob that any number of clients read while it is being written.
 * The downloader writes a datastore upload, hashing as bytes pass; readers follow that upload up
 * to what has been written, except the last byte of their response (of the blob, or of the range
 * they asked for), which they get only after the digest is verified. So no client ever receives
 * a complete response of corrupt bytes: on a mismatch its transfer breaks off short. The upload
 * exists only once the upstream answered with the blob, so a download the upstream refuses
 * writes nothing.
 *
 * <p>When the datastore cannot take the blob (no upload could be made, or a write failed: a full
 * disk), the download goes on without it: the bytes from there on pass through a window in
 * memory of at most {@link #RELAY_WINDOW} bytes, which the readers (and the verifier) take them
 * from, the upstream being read no faster than the slowest of them. The store then loses the
 * blob, never the clients their pulls, and nothing partial becomes visible. A reader that comes
 * after the window moved past the bytes it needs fails, and its retry starts a new download.
 */
public final class DownloadInFlight {
    /** The most bytes held in memory for the readers of a download that the datastore refused. */
    public static final int RELAY_WINDOW = 4 << 20;
    /** How long a full window waits for the first client's reader before it moves on without it. */
    static final long FIRST_READER_WAIT_MILLIS = 10_000;

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
    /** Bytes in the upload; equal to {@code written} until the datastore fails, then fixed. */
    private long inUpload;

    private boolean storing;
    /** In memory, once the datastore failed: the bytes from {@code windowStart} to {@code written}. */
    private final ArrayDeque<byte[]> window = new ArrayDeque<>();

    private long windowStart;
    private final Set<Follower> followers = new HashSet<>();
    /** Whether a client's reader has joined: until then the window keeps its first bytes for it. */
    private boolean readerJoined;

    /** Bytes of memory windows the node may hold in all, for every download the datastore refused. */
    private final Semaphore relayBudget;

    /** {@code relayBudget}: the bytes (permits) the memory windows of all downloads may hold together. */
    DownloadInFlight(Digest digest, RepositoryName repository, Semaphore relayBudget) {
        this.digest = digest;
        this.repository = repository;
        this.relayBudget = relayBudget;
    }

    public Digest digest() {
        return digest;
    }

    /** The repository (store name) the download is for, whose name the upstream was asked with. */
    public RepositoryName repository() {
        return repository;
    }

    // ---- the downloader's side

    /**
     * The upstream answered with the blob, which is being written to {@code upload}; a null
     * upload: the datastore could not make one, and every byte passes through memory.
     */
    void streaming(BlobUpload upload, long contentLength) {
        synchronized (lock) {
            this.upload = upload;
            size = contentLength;
            storing = upload != null;
            state = State.STREAMING;
            lock.notifyAll();
        }
    }

    /** {@code bytes} more were written to the upload. */
    void advance(long bytes) {
        synchronized (lock) {
            written += bytes;
            inUpload = written;
            lock.notifyAll();
        }
    }

    /** The datastore failed: from now on the bytes pass through memory, and nothing is published. */
    void stopStoring() {
        synchronized (lock) {
            storing = false;
            windowStart = written;
        }
    }

    /**
     * Hands {@code bytes} (taken, not kept) to the readers through the memory window, waiting
     * while the window is full, until the slowest reader moved on; throws if the download failed.
     */
    void relay(ByteBuffer bytes) throws InterruptedException, IOException {
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        awaitRoom(copy.length);
        // the node's budget for all windows, taken outside the lock (readers free it as they move on)
        while (!relayBudget.tryAcquire(copy.length, 1, TimeUnit.SECONDS)) {
            synchronized (lock) {
                if (state == State.FAILED) {
                    throw new IOException("download failed");
                }
            }
        }
        synchronized (lock) {
            window.addLast(copy);
            written += copy.length;
            lock.notifyAll();
        }
    }

    /** Waits until this download's window has room for {@code length} more bytes. */
    private void awaitRoom(int length) throws InterruptedException, IOException {
        synchronized (lock) {
            long waitingSince = System.nanoTime();
            while (true) {
                if (state == State.FAILED) {
                    throw new IOException("download failed");
                }
                trimWindow();
                if (written - windowStart + length <= RELAY_WINDOW || window.isEmpty()) {
                    return;
                }
                if (!readerJoined
                        && System.nanoTime() - waitingSince > TimeUnit.MILLISECONDS.toNanos(FIRST_READER_WAIT_MILLIS)) {
                    readerJoined = true; // the client that started the download went away
                    continue;
                }
                lock.wait(readerJoined ? 0 : FIRST_READER_WAIT_MILLIS);
            }
        }
    }

    /** Drops from the window what no reader still needs (called holding the lock). */
    private void trimWindow() {
        if (!readerJoined && state == State.STREAMING) {
            return; // the client that started the download has not begun to read yet
        }
        long needed = written;
        for (Follower f : followers) {
            needed = Math.min(needed, f.next);
        }
        while (!window.isEmpty() && windowStart + window.peekFirst().length <= needed) {
            int n = window.removeFirst().length;
            windowStart += n;
            relayBudget.release(n);
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

    /** Every byte arrived and matches the digest: the readers may have their last bytes. */
    void complete() {
        synchronized (lock) {
            size = written;
            state = State.COMPLETE;
            trimWindow(); // what no reader holds goes back to the node's budget
            lock.notifyAll();
        }
    }

    void fail(RegistryException e) {
        synchronized (lock) {
            if (state != State.COMPLETE) {
                failure = e;
                state = State.FAILED;
                followers.clear(); // their reads fail from now on: the window goes back to the budget
                trimWindow();
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

    /**
     * Opens the blob's bytes for reading as they arrive, from {@code from} on, once {@link
     * #awaitSize} returned; read only what {@link #awaitReadable} allows. Throws {@link Gone} when
     * the download is over and its bytes are gone (it could not store the blob).
     */
    public Follower open(long from) throws IOException {
        return open(from, true);
    }

    /** For the verifier: a reader from the first byte, that is not a client. */
    Follower openForVerifier() throws IOException {
        return open(0, false);
    }

    private Follower open(long from, boolean client) throws IOException {
        BlobUpload u;
        synchronized (lock) {
            if (state == State.CONNECTING) {
                throw new IllegalStateException("the upstream has not answered yet");
            }
            u = upload;
        }
        BlobReader file;
        try {
            file = u == null ? null : u.openReader();
        } catch (IOException e) {
            throw new Gone("the download of " + digest + " ended without storing the blob", e);
        }
        Follower follower = new Follower(file, from);
        synchronized (lock) {
            followers.add(follower);
            if (client) {
                readerJoined = true;
            }
        }
        return follower;
    }

    /**
     * The download ended before this reader could open it, without storing the blob (the
     * datastore refused it): a new download serves the reader.
     */
    public static final class Gone extends IOException {
        Gone(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A reader of the download: bytes from the upload, or from the memory window after it. */
    public final class Follower implements Closeable {
        private final BlobReader file;
        /** The next byte this reader needs (the window keeps it). */
        private long next;

        private Follower(BlobReader file, long from) {
            this.file = file;
            this.next = from;
        }

        /** Reads bytes from {@code position} (below what {@link #awaitReadable} returned) into {@code dst}. */
        public int read(ByteBuffer dst, long position) throws IOException {
            long fileEnd;
            synchronized (lock) {
                fileEnd = inUpload;
            }
            int n;
            if (position < fileEnd) {
                int room = dst.remaining();
                if (room > fileEnd - position) {
                    dst.limit(dst.position() + (int) (fileEnd - position));
                }
                n = file.read(dst, position);
            } else {
                n = fromWindow(dst, position);
            }
            synchronized (lock) {
                next = position + Math.max(n, 0);
                if (!storing) {
                    lock.notifyAll(); // a downloader may wait for room in the window
                }
            }
            return n;
        }

        private int fromWindow(ByteBuffer dst, long position) throws IOException {
            synchronized (lock) {
                if (position < windowStart) {
                    throw new IOException("the blob's bytes at " + position + " are gone from memory (the datastore "
                            + "could not store the blob); retry");
                }
                long at = windowStart;
                int copied = 0;
                for (byte[] chunk : window) {
                    if (!dst.hasRemaining()) {
                        break;
                    }
                    long chunkEnd = at + chunk.length;
                    if (chunkEnd > position + copied) {
                        int offset = (int) (position + copied - at);
                        int n = Math.min(dst.remaining(), chunk.length - offset);
                        dst.put(chunk, offset, n);
                        copied += n;
                    }
                    at = chunkEnd;
                }
                return copied;
            }
        }

        @Override
        public void close() throws IOException {
            synchronized (lock) {
                followers.remove(this);
                trimWindow();
                lock.notifyAll();
            }
            if (file != null) {
                file.close();
            }
        }
    }
}
