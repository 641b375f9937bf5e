package dev.registrycache.common.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * File reads and writes of heap buffers in slices of at most {@link #SLICE} bytes. For a heap
 * buffer the JDK copies through a temporary direct buffer of the whole size and keeps it for the
 * thread: a manifest of several MB written or read whole would hold as much of the process's
 * direct memory per request thread (a few dozen at once exhausted a node's, and unrelated
 * requests failed).
 */
public final class HeapSlices {
    static final int SLICE = 64 * 1024;

    private HeapSlices() {}

    /** Writes all of {@code bytes} at the file's position. */
    public static void write(FileChannel file, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            ByteBuffer slice = slice(bytes);
            while (slice.hasRemaining()) {
                file.write(slice);
            }
            bytes.position(bytes.position() + slice.position());
        }
    }

    /** Reads into {@code dst} from {@code position}, as {@link FileChannel#read(ByteBuffer, long)}. */
    public static int read(FileChannel file, ByteBuffer dst, long position) throws IOException {
        ByteBuffer slice = slice(dst);
        int n = file.read(slice, position);
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    /** A view of the remaining bytes, of at most {@link #SLICE} of them if {@code bytes} is on the heap. */
    private static ByteBuffer slice(ByteBuffer bytes) {
        int length = bytes.isDirect() ? bytes.remaining() : Math.min(bytes.remaining(), SLICE);
        return bytes.slice(bytes.position(), length);
    }
}
