package dev.registrycache.common.http;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.store.BlobReader;
import dev.registrycache.common.store.Datastore;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * Answers a GET or HEAD of a stored blob, the same from a node and from the gateway (which
 * answers stored blobs itself to spare the relay): status, headers, ranges, {@code If-None-Match}
 * and the body, written from the datastore's windows in the size the reader asks for: memory
 * mappings of a file (no copy of ours), or small buffers of an object store's GET, so that each
 * reader holds little memory and its first bytes go out as soon as they come. Whether the
 * repository may see the blob is the caller's to decide first. With S3_REDIRECT, a GET is sent
 * to the blob's pre-signed URL in the bucket instead ({@link Datastore#blobRedirect}); a HEAD
 * and a {@code 304} are still answered here.
 */
public final class StoredBlobs {
    /**
     * On every blob answer (GET and HEAD): {@code hit} when the bytes come from the store, {@code
     * miss} when the cache does not hold the blob (a HEAD asked of the upstream, a GET fetched from
     * it). What {@code registry-cache warm} asks to fetch only what is not held.
     */
    public static final String CACHE_HEADER = "X-Registry-Cache";

    private final Datastore store;

    public StoredBlobs(Datastore store) {
        this.store = store;
    }

    /**
     * Answers with the blob {@code digest} if it is stored, as a cache hit in {@code facts};
     * false, with nothing sent, if it is not (or no longer) stored.
     */
    public boolean answer(Request request, Response response, Callback callback, Digest digest, RequestFacts facts)
            throws IOException {
        URI direct =
                "GET".equals(request.getMethod()) && !notModified(request, digest) ? store.blobRedirect(digest) : null;
        if (direct != null) {
            redirect(response, callback, digest, direct, facts);
            return true;
        }
        BlobReader blob = store.openBlob(digest);
        if (blob == null) {
            return false;
        }
        facts.outcome = CacheOutcome.HIT;
        cacheHeader(response, true);
        serve(request, response, callback, digest, blob);
        return true;
    }

    /**
     * Sends the client to the blob's own URL in the store: a {@code 307}, so that it asks there
     * with the same method and headers ({@code Range} included, which the store answers). A use of
     * the blob like a {@code 200}, in the access log too.
     */
    private static void redirect(Response response, Callback callback, Digest digest, URI url, RequestFacts facts) {
        facts.outcome = CacheOutcome.HIT;
        cacheHeader(response, true);
        response.setStatus(HttpStatus.TEMPORARY_REDIRECT_307);
        var h = response.getHeaders();
        h.put(HttpHeader.LOCATION, url.toASCIIString());
        h.put("Docker-Content-Digest", digest.toString());
        h.put(HttpHeader.CACHE_CONTROL, "no-store"); // the URL expires
        h.put(HttpHeader.CONTENT_LENGTH, 0);
        response.write(true, null, callback);
    }

    private static boolean notModified(Request request, Digest digest) {
        return ("\"" + digest + "\"").equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH));
    }

    /** Serves the open blob, which this method closes. */
    private static void serve(Request request, Response response, Callback callback, Digest digest, BlobReader blob)
            throws IOException {
        boolean closed = false;
        try {
            long size = blob.size();
            if (notModified(request, digest)) {
                response.setStatus(304);
                response.getHeaders().put(HttpHeader.ETAG, "\"" + digest + "\"");
                callback.succeeded();
                return;
            }
            ByteRange range = ByteRange.parse(request.getHeaders().get(HttpHeader.RANGE), size);
            if (range == ByteRange.UNSATISFIABLE) {
                throw new RegistryException(
                        ErrorCode.RANGE_INVALID, "requested range not satisfiable", Map.of("size", size));
            }
            long position = range == null ? 0 : range.first();
            long end = position + (range == null ? size : range.length());
            start(response, digest, range, size);
            if ("HEAD".equals(request.getMethod()) || position == end) {
                response.write(true, null, callback);
                return;
            }
            while (position < end) {
                int length = (int) Math.min(blob.windowSize(), end - position);
                ByteBuffer window = blob.window(position, length);
                try (Blocker.Callback written = Blocker.callback()) {
                    response.write(false, window, written);
                    written.block();
                } finally {
                    blob.release(window);
                }
                position += length;
            }
            closed = true;
            closeQuietly(blob);
            response.write(true, null, callback);
        } finally {
            if (!closed) {
                closeQuietly(blob);
            }
        }
    }

    private static void closeQuietly(BlobReader blob) {
        try {
            blob.close();
        } catch (IOException ignored) {
            // read-only
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
            response.getHeaders()
                    .put(HttpHeader.CONTENT_RANGE, "bytes " + range.first() + "-" + range.last() + "/" + size);
        } else {
            response.setStatus(200);
        }
    }

    /** Says in {@link #CACHE_HEADER} whether the answer's blob comes from the store. */
    public static void cacheHeader(Response response, boolean held) {
        response.getHeaders().put(CACHE_HEADER, held ? "hit" : "miss");
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
