package dev.registrycache.node.api;

import dev.registrycache.common.http.ByteRange;
import dev.registrycache.common.http.RequestFacts;
import dev.registrycache.common.http.CacheOutcome;
import dev.registrycache.common.http.StoredBlobs;
import dev.registrycache.common.NameMapping;
import dev.registrycache.common.Digest;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.RegistryException;
import dev.registrycache.node.store.BlobFetch;
import dev.registrycache.node.store.BlobFetcher;
import dev.registrycache.node.store.Datastore;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.node.upstream.UpstreamException;
import dev.registrycache.node.upstream.UpstreamResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Map;

/**
 * Serves blobs: a stored blob straight from disk (with ranges), a missing one by joining or
 * starting its single upstream download and streaming it as it arrives. A HEAD of a missing
 * blob asks the upstream with HEAD and downloads nothing.
 */
public final class BlobService {
    private static final int CHUNK = 256 * 1024;
    private static final long HEADERS_WAIT_MILLIS = 60_000;
    private static final long STALL_MILLIS = 120_000;

    private final Datastore store;
    private final BlobFetcher fetcher;
    private final UpstreamClient upstream;

    public BlobService(Datastore store, BlobFetcher fetcher, UpstreamClient upstream) {
        this.store = store;
        this.fetcher = fetcher;
        this.upstream = upstream;
    }

    public void serve(Request request, Response response, Callback callback, NameMapping.Names names, Digest digest,
                      RequestFacts facts) throws Exception {
        boolean head = "HEAD".equals(request.getMethod());
        FileChannel stored = store.openBlob(digest);
        if (stored != null) {
            facts.outcome = CacheOutcome.HIT;
            store.ensureLayerLinked(names.store(), digest);
            StoredBlobs.serve(request, response, callback, digest, stored, head);
            return;
        }
        if (head) {
            BlobFetch running = fetcher.inFlight(digest);
            long known = running == null ? -1 : running.awaitSize(HEADERS_WAIT_MILLIS);
            facts.outcome = CacheOutcome.PASS;
            if (known < 0) {
                known = headUpstream(names, digest);
            }
            StoredBlobs.headers(response, digest, known);
            response.setStatus(200);
            callback.succeeded();
            return;
        }
        BlobFetch fetch = null;
        for (int attempt = 0; attempt < 3 && fetch == null; attempt++) {
            fetch = fetcher.fetch(digest, names.upstream(), names.store());
            if (fetch == null) {
                stored = store.openBlob(digest); // stored meanwhile, by another download
                if (stored != null) {
                    facts.outcome = CacheOutcome.HIT;
                    StoredBlobs.serve(request, response, callback, digest, stored, false);
                    return;
                }
                // and evicted again before it could be opened: fetch it after all
            }
        }
        if (fetch == null) {
            throw new RegistryException(ErrorCode.UNAVAILABLE, "the blob is being evicted and fetched at once; retry", null, 1, null);
        }
        facts.outcome = CacheOutcome.MISS;
        streamFetch(request, response, callback, fetch);
    }

    /**
     * Streams a blob, or the range asked for, while it downloads; the request's thread blocks on
     * its writes. The response's last byte waits for the digest's verification, so a range of a
     * cold blob completes only once the whole blob is verified and stored, however early its bytes
     * arrived; until then the client holds all of it but that byte.
     */
    private void streamFetch(Request request, Response response, Callback callback, BlobFetch fetch) throws Exception {
        long size = fetch.awaitSize(HEADERS_WAIT_MILLIS);
        ByteRange range = ByteRange.parse(request.getHeaders().get(HttpHeader.RANGE), size);
        if (range == ByteRange.UNSATISFIABLE) {
            response.getHeaders().put(HttpHeader.CONTENT_RANGE, "bytes */" + size);
            throw new RegistryException(ErrorCode.RANGE_INVALID, "requested range not satisfiable", null);
        }
        long position = range == null ? 0 : range.first();
        long end = range == null ? size : range.last() + 1;
        StoredBlobs.start(response, fetch.digest(), range, size);
        RetainableByteBuffer buffer = request.getComponents().getByteBufferPool().acquire(CHUNK, true);
        try (FileChannel channel = fetch.open()) {
            ByteBuffer bb = buffer.getByteBuffer();
            while (end < 0 || position < end) {
                long readable = fetch.awaitReadable(position, end, STALL_MILLIS);
                if (readable <= position) {
                    break; // verified end of a blob of unknown length
                }
                bb.clear();
                bb.limit((int) Math.min(bb.capacity(), readable - position));
                int n = channel.read(bb, position);
                if (n <= 0) {
                    throw new IOException("short read of a blob being downloaded");
                }
                position += n;
                bb.flip();
                try (Blocker.Callback written = Blocker.callback()) {
                    response.write(false, bb, written);
                    written.block();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } finally {
            buffer.release();
        }
        response.write(true, null, callback);
    }

    private long headUpstream(NameMapping.Names names, Digest digest) {
        try (UpstreamResponse r = UpstreamClient.expectSuccess(upstream.send("HEAD",
                "/v2/" + names.upstream() + "/blobs/" + digest, names.upstream(), Map.of()))) {
            return r.contentLength();
        } catch (UpstreamException e) {
            throw e.toRegistryException(ErrorCode.BLOB_UNKNOWN);
        }
    }

}
