package dev.registrycache.node.cache;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.BlobReader;
import dev.registrycache.common.store.BlobUpload;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload of one {@link BlobDownload}, which its followers read while it is written. The bytes
 * go to the datastore's upload while the datastore takes them; when it cannot (it made no upload,
 * or a write failed: a full disk), the rest go to a ring in memory of at most {@link #RING_BYTES},
 * in blocks of the node's {@link UploadMemory}, and the upload can no longer be committed: the
 * store loses the blob, never the followers their pulls. The ring keeps a byte until every
 * follower has read it, so the writer waits for the slowest; a follower that holds bytes and
 * reads nothing for {@link #STALL_NANOS} is dropped, and once no follower is left the writer
 * stops. A follower that needs bytes the ring no longer holds (it came late, or was dropped) gets
 * {@link BytesGone}. Followers may join before the datastore's upload exists ({@link #start}).
 */
public final class SpillableUpload {
    private static final Logger LOG = LoggerFactory.getLogger(SpillableUpload.class);
    /** The most bytes of one download held in memory. */
    static final int RING_BYTES = 4 << 20;
    /** How long a follower may hold bytes in memory without reading before it is dropped. */
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final int BLOCK = UploadMemory.BLOCK;

    private final BlobDownload download;
    private final UploadMemory memory;
    /** The datastore's upload; null until {@link #start}, and when the datastore made none. */
    private volatile BlobUpload stored;
    /** Where the ring begins: the bytes the datastore took before it failed; -1 while it takes them. */
    private volatile long spilledAt = -1;

    private byte[] block; // the writer's own

    // guarded by this
    private final List<byte[]> ring = new ArrayList<>();
    private final Set<Follower> followers = new HashSet<>();
    private long ringStart;
    /** The bytes written in all. */
    private long end;

    private boolean closed;
    private boolean released;

    SpillableUpload(BlobDownload download, UploadMemory memory) {
        this.download = download;
        this.memory = memory;
    }

    /**
     * The upstream sends the blob ({@code size} bytes, -1: unknown), for {@code datastoreUpload},
     * or for memory only when that is null: then throws a 503 if the node's memory for such
     * downloads is taken.
     */
    void start(BlobUpload datastoreUpload, long size) {
        if (datastoreUpload == null) {
            memory.admit(this, (int) ((Math.min(size < 0 ? RING_BYTES : size, RING_BYTES) + BLOCK - 1) / BLOCK));
            spill();
        }
        stored = datastoreUpload;
    }

    /** Appends all of {@code bytes}, waiting while the ring is full; throws if there is no point going on. */
    void write(ByteBuffer bytes) throws IOException {
        if (spilledAt < 0) {
            try {
                int n = bytes.remaining();
                stored.write(bytes.duplicate());
                end += n; // only the writer reads it until the upload spills
                return;
            } catch (IOException e) {
                LOG.warn(
                        "cannot write blob {} to the datastore; its clients get it without storing: {}",
                        download.digest(),
                        Reasons.of(e));
                spill();
            }
        }
        while (bytes.hasRemaining()) {
            int fill = (int) ((end - spilledAt) % BLOCK); // only the writer changes end
            if (fill == 0) {
                newBlock();
            }
            int n = Math.min(bytes.remaining(), BLOCK - fill);
            bytes.get(block, fill, n);
            synchronized (this) {
                end += n;
            }
        }
    }

    /** From now on the bytes go to the ring; the stall clocks start now. */
    private synchronized void spill() {
        spilledAt = end;
        ringStart = end;
        long now = System.nanoTime();
        followers.forEach(f -> f.lastRead = now);
    }

    /** Adds a block to the ring, waiting while the ring is full, then for the node's memory. */
    private void newBlock() throws IOException {
        try {
            synchronized (this) {
                while (ring.size() == RING_BYTES / BLOCK) {
                    requireFollowers();
                    dropStalledFollowers(System.nanoTime());
                    wait(1000);
                }
            }
            memory.take(this); // outside the lock: followers give blocks back meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for memory");
        }
        block = new byte[BLOCK];
        synchronized (this) {
            ring.add(block);
        }
    }

    /** Throws when writing on is pointless: the upload was closed, or no follower is left. */
    synchronized void requireFollowers() throws IOException {
        if (closed || followers.isEmpty()) {
            throw new IOException(
                    "no client is left for blob " + download.digest() + ", which the datastore cannot take");
        }
    }

    /** Drops the followers that hold bytes and have not read (nor waited for bytes) for {@link #STALL_NANOS}. */
    void dropStalledFollowers(long now) {
        synchronized (this) {
            followers.removeIf(f -> {
                f.dropped = !f.waiting && f.position < end && now - f.lastRead > STALL_NANOS;
                return f.dropped;
            });
            trim();
        }
        releaseIfUnread();
    }

    /** Gives the blocks no follower needs any more back to the node's memory. */
    private void trim() {
        long needed = closed && followers.isEmpty() ? Long.MAX_VALUE : end;
        for (Follower f : followers) {
            needed = Math.min(needed, f.position);
        }
        int freed = 0;
        while (spilledAt >= 0 && !ring.isEmpty() && ringStart + BLOCK <= needed) {
            ring.remove(0);
            ringStart += BLOCK;
            freed++;
        }
        if (freed > 0) {
            memory.release(freed);
            notifyAll();
        }
    }

    synchronized Follower follow() {
        Follower f = new Follower(spilledAt < 0 ? 0 : ringStart);
        followers.add(f);
        return f;
    }

    /** Publishes the bytes as the blob {@code digest}; throws if the datastore did not take all of them. */
    void commit(Digest digest) throws IOException {
        if (spilledAt >= 0) {
            throw new IOException("the datastore could not take the blob; it passed through memory only");
        }
        stored.commit(digest);
    }

    /** No more writes; the datastore's upload is discarded (unless committed) once its last follower is gone. */
    void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        releaseIfUnread();
    }

    private void releaseIfUnread() {
        synchronized (this) {
            if (!closed || !followers.isEmpty() || released) {
                return;
            }
            released = true;
            trim();
        }
        memory.forget(this);
        if (stored != null) {
            stored.close();
        }
    }

    /** A client following the download: it reads the datastore's upload up to where it failed, the ring after. */
    public final class Follower implements Closeable {
        /** The next byte it needs: the ring keeps it. */
        private volatile long position;

        private volatile long lastRead = System.nanoTime();
        /** Waiting at the gate for bytes: not stalled, even while the writer holds some it has not announced. */
        private volatile boolean waiting;

        private volatile boolean dropped;
        private BlobReader file;

        private Follower(long position) {
            this.position = position;
        }

        public BlobDownload download() {
            return download;
        }

        /**
         * Reads into {@code dst} from {@code position} once bytes there are written; -1 at the end
         * of the blob. {@link BytesGone} when those bytes are no longer held for this follower.
         */
        public int read(ByteBuffer dst, long from) throws IOException, InterruptedException {
            long available;
            waiting = true;
            try {
                available = download.awaitWritten(from);
            } finally {
                waiting = false;
                lastRead = System.nanoTime();
            }
            if (available <= from) {
                return -1;
            }
            if (dropped) {
                throw new BytesGone("dropped after reading nothing for " + STALL_NANOS / 1_000_000_000 + " s");
            }
            long ringFrom = spilledAt; // set before the bytes after it were written
            boolean inRing = ringFrom >= 0 && from >= ringFrom;
            long limit = ringFrom < 0 || inRing ? available : ringFrom;
            if (dst.remaining() > limit - from) {
                dst.limit(dst.position() + (int) (limit - from));
            }
            int n = inRing ? fromRing(dst, from) : fromDatastore(dst, from);
            lastRead = System.nanoTime();
            return n;
        }

        private int fromDatastore(ByteBuffer dst, long from) throws IOException {
            if (file == null) {
                try {
                    file = stored.openReader();
                } catch (IOException e) {
                    throw new BytesGone("the upload of blob " + download.digest() + " is gone: " + Reasons.of(e));
                }
            }
            int n = file.read(dst, from);
            position = from + Math.max(n, 0);
            return n;
        }

        private int fromRing(ByteBuffer dst, long from) throws BytesGone {
            synchronized (SpillableUpload.this) {
                if (from < ringStart) {
                    throw new BytesGone(
                            "the bytes of blob " + download.digest() + " at " + from + " are no longer in memory");
                }
                int n = dst.remaining();
                for (long at = from; at < from + n; ) {
                    int offset = (int) ((at - ringStart) % BLOCK);
                    int length = (int) Math.min(BLOCK - offset, from + n - at);
                    dst.put(ring.get((int) ((at - ringStart) / BLOCK)), offset, length);
                    at += length;
                }
                boolean first = position < ringStart + BLOCK;
                position = from + n;
                if (first) {
                    trim();
                }
                return n;
            }
        }

        /** Lets the upload drop what this follower still held; safe to call again. */
        @Override
        public void close() throws IOException {
            synchronized (SpillableUpload.this) {
                followers.remove(this);
                trim();
            }
            releaseIfUnread();
            if (file != null) {
                file.close();
            }
        }
    }
}
