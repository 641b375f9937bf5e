package dev.registrycache.node.api;

import dev.registrycache.common.Digest;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.NameMapping;
import dev.registrycache.common.RegistryException;
import dev.registrycache.common.http.ByteRange;
import dev.registrycache.common.http.CacheOutcome;
import dev.registrycache.common.http.RequestFacts;
import dev.registrycache.common.http.StoredBlobs;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.node.cache.DownloadInFlight;
import dev.registrycache.node.cache.SharedDownloads;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * Serves blobs: a stored blob straight from disk (with ranges), a missing one by joining or
 * starting its single upstream download and streaming it as it arrives. A HEAD of a missing
 * blob asks the upstream with HEAD and downloads nothing. A stored blob, or a download started
 * for another repository, is served under a repository only as {@link RepositoryLinks} allows.
 */
public final class BlobService {
    private static final int CHUNK = 256 * 1024;
    private static final long HEADERS_WAIT_MILLIS = 60_000;
    private static final long STALL_MILLIS = 120_000;
    /** How a download fails when the upstream refuses its repository, not the blob. */
    private static final Set<ErrorCode> REFUSALS =
            EnumSet.of(ErrorCode.BLOB_UNKNOWN, ErrorCode.UNAUTHORIZED, ErrorCode.DENIED);

    private final Datastore store;
    private final StoredBlobs stored;
    private final SharedDownloads fetcher;
    private final RepositoryLinks links;

    public BlobService(Datastore store, SharedDownloads fetcher, RepositoryLinks links) {
        this.store = store;
        this.stored = new StoredBlobs(store);
        this.fetcher = fetcher;
        this.links = links;
    }

    public void serve(
            Request request,
            Response response,
            Callback callback,
            NameMapping.Names names,
            Digest digest,
            RequestFacts facts)
            throws Exception {
        if (answerStored(request, response, callback, names, digest, facts)) {
            return;
        }
        if ("HEAD".equals(request.getMethod())) {
            DownloadInFlight running = fetcher.inFlight(digest);
            boolean ours = running != null && running.repository().equals(names.store());
            long known = ours ? running.awaitSize(HEADERS_WAIT_MILLIS) : -1;
            facts.outcome = CacheOutcome.PASS;
            if (known < 0) {
                known = links.confirmBlob(names, digest);
            }
            StoredBlobs.headers(response, digest, known);
            response.setStatus(200);
            callback.succeeded();
            return;
        }
        boolean confirmed = false;
        for (int attempt = 0; attempt < 3; attempt++) {
            DownloadInFlight fetch = fetcher.fetch(digest, names.upstream(), names.store());
            if (fetch == null) {
                if (answerStored(request, response, callback, names, digest, facts)) {
                    return; // stored meanwhile, by another download
                }
                continue; // and evicted again before it could be opened: fetch it after all
            }
            boolean joined = !fetch.repository().equals(names.store());
            if (joined && !confirmed) {
                links.confirmBlob(names, digest); // another repository's download: ours must hold the blob too
                confirmed = true;
            }
            facts.outcome = CacheOutcome.MISS;
            if (streamFetch(request, response, callback, fetch, joined ? names : null)) {
                return;
            }
            // the upstream refused the other repository's download and confirmed ours, or the
            // download ended without storing the blob: start ours
        }
        throw new RegistryException(
                ErrorCode.UNAVAILABLE, "the blob was evicted or refused while being fetched; retry", null, 1, null);
    }

    /** Answers from the store if the blob is stored and the repository may see it; false if not stored. */
    private boolean answerStored(
            Request request,
            Response response,
            Callback callback,
            NameMapping.Names names,
            Digest digest,
            RequestFacts facts)
            throws IOException {
        if (store.blobSize(digest) < 0) {
            return false;
        }
        links.requireBlob(names, digest);
        return stored.answer(request, response, callback, digest, facts);
    }

    /**
     * Streams a blob, or the range asked for, while it downloads; the request's thread blocks on
     * its writes. The response's last byte waits for the digest's verification, so a range of a
     * cold blob completes only once the whole blob is verified and stored, however early its bytes
     * arrived; until then the client holds all of it but that byte. A {@code joiner}, a repository
     * the download was not started for, is linked once the blob is stored, before the response's
     * final byte. Returns false, having sent nothing, when the upstream refused the download for
     * its own repository, or when the download ended without storing the blob before this
     * request could join it.
     */
    private boolean streamFetch(
            Request request, Response response, Callback callback, DownloadInFlight fetch, NameMapping.Names joiner)
            throws Exception {
        long size;
        try {
            size = fetch.awaitSize(HEADERS_WAIT_MILLIS);
        } catch (RegistryException e) {
            if (joiner != null && REFUSALS.contains(e.code())) {
                return false;
            }
            throw e;
        }
        ByteRange range = ByteRange.parse(request.getHeaders().get(HttpHeader.RANGE), size);
        if (range == ByteRange.UNSATISFIABLE) {
            response.getHeaders().put(HttpHeader.CONTENT_RANGE, "bytes */" + size);
            throw new RegistryException(ErrorCode.RANGE_INVALID, "requested range not satisfiable", null);
        }
        long position = range == null ? 0 : range.first();
        long end = range == null ? size : range.last() + 1;
        DownloadInFlight.Follower follower;
        try {
            follower = fetch.open(position);
        } catch (DownloadInFlight.Gone e) {
            return false; // over without storing the blob: a new download serves this request
        }
        StoredBlobs.start(response, fetch.digest(), range, size);
        RetainableByteBuffer buffer =
                request.getComponents().getByteBufferPool().acquire(CHUNK, true);
        try (DownloadInFlight.Follower channel = follower) {
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
                if (position == end) {
                    linkJoiner(joiner, fetch); // the final byte was readable: the blob is stored
                }
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
        if (end < 0) {
            linkJoiner(joiner, fetch);
        }
        response.write(true, null, callback);
        return true;
    }

    /** Links a repository that shared another's download, before its client has the whole answer. */
    private void linkJoiner(NameMapping.Names joiner, DownloadInFlight fetch) throws IOException {
        if (joiner != null) {
            RepositoryLinks.bestEffort(joiner, fetch.digest(), () -> store.linkLayer(joiner.store(), fetch.digest()));
        }
    }
}
