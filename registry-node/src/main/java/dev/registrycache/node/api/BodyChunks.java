package dev.registrycache.node.api;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A response body held in memory as pieces of at most {@link #CHUNK} bytes. Written as it is
 * produced, it never copies itself to grow, and refuses to grow past its limit; sent piece by
 * piece, no socket write needs a temporary direct buffer larger than one piece (the JDK copies a
 * heap buffer into a direct one of its whole size, and keeps it per thread).
 */
final class BodyChunks extends OutputStream {
    static final int CHUNK = 64 * 1024;

    private final long limit;
    private final List<byte[]> chunks = new ArrayList<>();
    private int lastLength = CHUNK;
    private long size;

    /** An empty body that refuses to hold more than {@code limit} bytes. */
    BodyChunks(long limit) {
        this.limit = limit;
    }

    /** {@code bytes} as pieces, without copying them. */
    static List<ByteBuffer> of(byte[] bytes) {
        List<ByteBuffer> pieces = new ArrayList<>(bytes.length / CHUNK + 1);
        for (int offset = 0; offset < bytes.length; offset += CHUNK) {
            pieces.add(ByteBuffer.wrap(bytes, offset, Math.min(CHUNK, bytes.length - offset))
                    .slice());
        }
        return pieces;
    }

    /** The number of bytes of a body made of {@code pieces}. */
    static long length(List<ByteBuffer> pieces) {
        long length = 0;
        for (ByteBuffer b : pieces) {
            length += b.remaining();
        }
        return length;
    }

    long size() {
        return size;
    }

    /** What was written, as pieces (views of this body, not copies). */
    List<ByteBuffer> buffers() {
        List<ByteBuffer> pieces = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            pieces.add(ByteBuffer.wrap(chunks.get(i), 0, i == chunks.size() - 1 ? lastLength : CHUNK)
                    .slice());
        }
        return pieces;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (size + length > limit) {
            throw new IOException("body larger than its limit of " + limit + " bytes");
        }
        while (length > 0) {
            if (lastLength == CHUNK) {
                chunks.add(new byte[CHUNK]);
                lastLength = 0;
            }
            int n = Math.min(length, CHUNK - lastLength);
            System.arraycopy(bytes, offset, chunks.get(chunks.size() - 1), lastLength, n);
            lastLength += n;
            offset += n;
            length -= n;
            size += n;
        }
    }
}
