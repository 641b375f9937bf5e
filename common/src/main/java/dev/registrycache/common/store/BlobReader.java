package dev.registrycache.common.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads a stored blob, or an upload as far as it is written. Positional reads, so one reader
 * serves any range; not for use by several threads at once.
 */
public interface BlobReader extends Closeable {
    /** The window size of a reader whose windows are memory mappings, which hold none of our memory. */
    int MAPPED_WINDOW = 8 * 1024 * 1024;

    /** Bytes readable now: the blob's size, or what an upload has written so far. */
    long size() throws IOException;

    /** Reads into {@code dst} from {@code position}; the number of bytes read, -1 at the end. */
    int read(ByteBuffer dst, long position) throws IOException;

    /**
     * {@code length} bytes from {@code position} as a read-only buffer that needs no copy of ours
     * (a file's memory mapping: the kernel copies from the page cache to the socket). Hand it
     * back with {@link #release} once written.
     */
    ByteBuffer window(long position, int length) throws IOException;

    /**
     * The largest {@link #window} worth asking for, for a caller that writes a blob window after
     * window: a file's windows are mappings, large and free; a store's are buffers that the reader
     * fills before the caller can write a byte of them, so they are small, and hold little memory
     * per reader while its client reads them.
     */
    default int windowSize() {
        return MAPPED_WINDOW;
    }

    /** Gives back a {@link #window}, which must not be used afterwards. */
    void release(ByteBuffer window);

    @Override
    void close() throws IOException;
}
