package dev.registrycache.common.http;

import dev.registrycache.common.Digest;
import dev.registrycache.common.store.MappedRegions;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.RegistryException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A blob response from a stored blob's file, the same from a node and from the gateway (which
 * answers stored blobs itself to spare the relay): status, headers, ranges and body.
 */
public final class StoredBlobs {
    private static final long MAP_WINDOW = 8L * 1024 * 1024;

    private StoredBlobs() {
    }

    /**
     * Answers a GET or HEAD of a stored blob from its open file, which this method closes: ranges,
     * {@code If-None-Match}, and the body written from memory-mapped windows.
     */
    public static void serve(Request request, Response response, Callback callback, Digest digest, FileChannel file,
                             boolean head) throws IOException {
        boolean handedOver = false;
        try {
            long size = file.size();
            String etag = "\"" + digest + "\"";
            if (etag.equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
                response.setStatus(304);
                response.getHeaders().put(HttpHeader.ETAG, etag);
                callback.succeeded();
                return;
            }
            ByteRange range = ByteRange.parse(request.getHeaders().get(HttpHeader.RANGE), size);
            if (range == ByteRange.UNSATISFIABLE) {
                throw new RegistryException(ErrorCode.RANGE_INVALID, "requested range not satisfiable",
                        java.util.Map.of("size", size));
            }
            long offset = range == null ? 0 : range.first();
            long length = range == null ? size : range.length();
            start(response, digest, range, size);
            if (head || length == 0) {
                response.write(true, null, callback);
                return;
            }
            // Written from memory-mapped windows: the kernel copies from the page cache to the
            // socket, with no read into a buffer of ours; each window is unmapped once written.
            long position = offset;
            long end = offset + length;
            while (position < end) {
                long window = Math.min(MAP_WINDOW, end - position);
                MappedByteBuffer region = file.map(FileChannel.MapMode.READ_ONLY, position, window);
                try (Blocker.Callback written = Blocker.callback()) {
                    response.write(false, region, written);
                    written.block();
                } finally {
                    MappedRegions.unmap(region);
                }
                position += window;
            }
            handedOver = true;
            closeQuietly(file);
            response.write(true, null, callback);
        } finally {
            if (!handedOver) {
                closeQuietly(file);
            }
        }
    }

    private static void closeQuietly(FileChannel file) {
        try {
            file.close();
        } catch (IOException ignored) {
            // read-only file
        }
    }

    /**
     * The status and headers of a blob response: 200 for the whole blob of {@code size} bytes, or
     * 206 with {@code Content-Range} for {@code range} ({@code range} null: the whole blob).
     */
    public static void start(Response response, Digest digest, ByteRange range, long size) {
        headers(response, digest, range == null ? size : range.length());
        if (range != null) {
            response.setStatus(206);
            response.getHeaders().put(HttpHeader.CONTENT_RANGE, "bytes " + range.first() + "-" + range.last() + "/" + size);
        } else {
            response.setStatus(200);
        }
    }

    /** The headers of a blob response with a body of {@code length} bytes (-1: unknown). */
    public static void headers(Response response, Digest digest, long length) {
        var h = response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        if (length >= 0) {
            h.put(HttpHeader.CONTENT_LENGTH, length);
        }
        h.put("Docker-Content-Digest", digest.toString());
        h.put(HttpHeader.ETAG, "\"" + digest + "\"");
        h.put(HttpHeader.ACCEPT_RANGES, "bytes");
        h.put(HttpHeader.CACHE_CONTROL, "max-age=31536000");
    }
}
