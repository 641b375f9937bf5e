package dev.registrycache.common.store.s3;

import dev.registrycache.common.store.BlobReader;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Positional reads of an object by GETs that stream: one GET from where the reads are, which
 * following reads continue (the store sends ahead only as far as TCP and Jetty's buffers let it,
 * so nothing is held for a reader that stops); a read elsewhere closes it and opens a ranged GET
 * there ({@code Range: bytes=<position>-}), also after the stream broke off. The reader is opened
 * with the first GET: it holds the object's bytes that the store streams to it even if the
 * object is deleted meanwhile, but a later GET of a deleted object fails, and one of an object
 * replaced since fails too ({@code If-Match} its ETag), never mixing old and new bytes. Windows
 * are heap buffers filled by reads (there is no file to map), of {@value #WINDOW} bytes: as much
 * as one of Jetty's response buffers, so that a reader holds about two of them while its client
 * reads, and a window's bytes go out as soon as they come; the reader keeps one for the next.
 */
final class S3Reader implements BlobReader {
    /** GETs that break off at the same position before a read gives up. */
    private static final int REOPENS = 3;

    private static final int WINDOW = 64 * 1024;

    private final Bucket bucket;
    private final String key;
    private final long size;
    private final String etag;
    private S3Response stream;
    private long streamAt;
    private ByteBuffer spare;

    private S3Reader(Bucket bucket, String key, S3Response first) {
        this.bucket = bucket;
        this.key = key;
        this.size = first.contentLength();
        this.etag = first.header("ETag");
        this.stream = first;
        this.streamAt = 0;
    }

    /** A reader of the object {@code key}, with the GET of its first bytes open; null if there is none. */
    static S3Reader open(Bucket bucket, String key) throws IOException {
        S3Response first = bucket.get(key, 0, null);
        if (first == null) {
            return null;
        }
        if (first.status() != 200 || first.contentLength() < 0) {
            first.close();
            throw new IOException("S3 GET " + bucket.address().describe(key) + ": answered " + first.status()
                    + (first.contentLength() < 0 ? " without a Content-Length" : ""));
        }
        return new S3Reader(bucket, key, first);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        if (position >= size) {
            return -1;
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        for (int attempt = 1; ; attempt++) {
            if (stream == null || streamAt != position) {
                reopen(position);
            }
            try {
                int n = stream.read(dst);
                if (n < 0) {
                    throw new IOException("the answer ended at " + streamAt + " of " + size + " bytes");
                }
                streamAt += n;
                if (streamAt == size) {
                    finish();
                }
                return n;
            } catch (IOException e) {
                closeStream();
                if (attempt == REOPENS) {
                    throw new IOException(
                            "S3 GET " + bucket.address().describe(key) + " at " + position + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** Reads the end of a stream that gave all its bytes, so that its connection serves again. */
    private void finish() {
        try {
            stream.readAll(0);
        } catch (IOException e) {
            closeStream(); // it said more than the object holds, or broke off: the next read opens another
        }
    }

    private void reopen(long position) throws IOException {
        closeStream();
        S3Response response = bucket.get(key, position, etag);
        String where = bucket.address().describe(key);
        if (response == null) {
            throw new IOException("S3 GET " + where + ": the object was deleted while it was read");
        }
        if (response.status() == 412) {
            response.close();
            throw new IOException("S3 GET " + where + ": the object was replaced while it was read");
        }
        if (response.status() != 206 && !(response.status() == 200 && position == 0)) {
            response.close();
            throw new IOException("S3 GET " + where + " from " + position + ": answered " + response.status());
        }
        stream = response;
        streamAt = position;
    }

    @Override
    public int windowSize() {
        return WINDOW;
    }

    @Override
    public ByteBuffer window(long position, int length) throws IOException {
        ByteBuffer window = length > WINDOW
                ? ByteBuffer.allocate(length)
                : spare != null ? spare.clear() : ByteBuffer.allocate(WINDOW);
        spare = null;
        window.limit(length);
        while (window.hasRemaining()) {
            if (read(window, position + window.position()) < 0) {
                throw new IOException("S3 object " + bucket.address().describe(key) + " ends at " + size
                        + ", before the window's " + (position + length));
            }
        }
        return window.flip();
    }

    @Override
    public void release(ByteBuffer window) {
        if (window.capacity() == WINDOW) {
            spare = window; // for the next window; larger ones are the garbage collector's
        }
    }

    private void closeStream() {
        if (stream != null) {
            stream.close();
            stream = null;
        }
    }

    @Override
    public void close() {
        closeStream();
    }
}
