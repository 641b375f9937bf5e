package dev.registrycache.common.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * File reads and writes of heap buffers in slices of at most {@link #SLICE} bytes. For a heap
 * buffer the JDK copies through a temporary direct buffer of the whole size and keeps it for the
 * thread: one 4 MB manifest written or read per request thread would hold 4 MB of the process's
 * direct memory per thread (24 of them exhausted a node's 64 MiB and failed unrelated requests).
 */
final class HeapSlices {
    static final int SLICE = 64 * 1024;

    private HeapSlices() {}

    /** Writes all of {@code bytes} at the file's position. */
    static void write(FileChannel file, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            ByteBuffer slice = slice(bytes);
            while (slice.hasRemaining()) {
                file.write(slice);
            }
            bytes.position(bytes.position() + slice.position());
        }
    }

    /** Reads into {@code dst} from {@code position}, as {@link FileChannel#read(ByteBuffer, long)}. */
    static int read(FileChannel file, ByteBuffer dst, long position) throws IOException {
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
