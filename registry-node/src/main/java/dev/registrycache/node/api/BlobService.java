package dev.registrycache.node.api;

import dev.registrycache.common.http.ByteRange;
import dev.registrycache.common.http.CacheOutcome;
import dev.registrycache.common.http.RequestFacts;
import dev.registrycache.common.http.StoredBlobs;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.NameMapping;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.node.cache.BlobDownload;
import dev.registrycache.node.cache.BlobDownloads;
import dev.registrycache.node.cache.BytesGone;
import dev.registrycache.node.cache.SpillableUpload;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * Serves blobs: a stored blob straight from disk (with ranges), a missing one by following or
 * starting its single upstream download ({@link BlobDownloads}) and streaming it as it arrives. A HEAD of a missing
 * blob asks the upstream with HEAD and downloads nothing. A stored blob, or a download started
 * for another repository, is served under a repository only as {@link RepositoryLinks} allows.
 * A quarantined blob ({@link Quarantines}) is refused before any of that: not served from the
 * store, not asked of the upstream.
 */
public final class BlobService {
    /** How a download fails when the upstream refuses its repository, not the blob. */
    private static final Set<ErrorCode> REFUSALS =
            EnumSet.of(ErrorCode.BLOB_UNKNOWN, ErrorCode.UNAUTHORIZED, ErrorCode.DENIED);

    private final Datastore store;
    private final StoredBlobs stored;
    private final BlobDownloads downloads;
    private final RepositoryLinks links;
    private final Quarantines quarantines;
    private final TransferBuffers buffers = new TransferBuffers();

    public BlobService(Datastore store, BlobDownloads downloads, RepositoryLinks links) {
        this.store = store;
        this.stored = new StoredBlobs(store);
        this.downloads = downloads;
        this.links = links;
        this.quarantines = new Quarantines(store);
    }

    public void serve(
            Request request,
            Response response,
            Callback callback,
            NameMapping.Names names,
            Digest digest,
            RequestFacts facts)
            throws Exception {
        quarantines.refuseIfQuarantined(digest);
        if (answerStored(request, response, callback, names, digest, facts)) {
            return;
        }
        if ("HEAD".equals(request.getMethod())) {
            answerHead(response, callback, names, digest, facts);
            return;
        }
        boolean confirmed = false;
        BlobDownload tooLate = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            SpillableUpload.Follower follower = downloads.follow(digest, names.upstream(), names.store(), tooLate);
            if (follower == null) {
                if (answerStored(request, response, callback, names, digest, facts)) {
                    return; // stored meanwhile, by another download
                }
                continue; // and evicted again before it could be opened: fetch it after all
            }
            try (follower) {
                tooLate = follower.download();
                boolean joined = !tooLate.repository().equals(names.store());
                if (joined && !confirmed) {
                    links.confirmBlob(names, digest); // another repository's download: ours must hold the blob too
                    confirmed = true;
                }
                facts.outcome = CacheOutcome.MISS;
                if (streamDownload(request, response, callback, follower, joined ? names : null)) {
                    return;
                }
            }
            // the upstream refused the other repository's download and confirmed ours, or this
            // request came too late for the bytes of a download that cannot store the blob: start ours
        }
        throw new RegistryException(
                ErrorCode.UNAVAILABLE, "the blob was evicted or refused while being fetched; retry", null, 1, null);
    }

    /** Answers a HEAD of a missing blob from its download in flight for the repository, or from the upstream's HEAD. */
    private void answerHead(
            Response response, Callback callback, NameMapping.Names names, Digest digest, RequestFacts facts)
            throws InterruptedException {
        BlobDownload running = downloads.inFlight(digest);
        boolean ours = running != null && running.repository().equals(names.store());
        long known = ours ? running.awaitSize() : -1;
        facts.outcome = CacheOutcome.PASS;
        if (known < 0) {
            known = links.confirmBlob(names, digest);
        }
        StoredBlobs.headers(response, digest, known);
        StoredBlobs.cacheHeader(response, false);
        response.setStatus(200);
        callback.succeeded();
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
     * Streams a blob, or the range asked for, while it downloads, through one of the node's
     * {@link TransferBuffers}; the request's thread blocks on its writes. Returns false, having
     * sent nothing, when the upstream refused the download for its own repository while a {@code
     * joiner} (a repository the download was not started for) follows it, or when the bytes this
     * request needs are no longer held for it.
     */
    private boolean streamDownload(
            Request request,
            Response response,
            Callback callback,
            SpillableUpload.Follower follower,
            NameMapping.Names joiner)
            throws Exception {
        BlobDownload download = follower.download();
        long size;
        try {
            size = download.awaitSize();
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
        StoredBlobs.start(response, download.digest(), range, size);
        StoredBlobs.cacheHeader(response, false);
        ByteBuffer buffer = buffers.take();
        try {
            long first = range == null ? 0 : range.first();
            return send(response, callback, follower, buffer, first, range == null ? size : range.last() + 1, joiner);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } finally {
            buffers.give(buffer);
        }
    }

    /**
     * Sends the bytes from {@code position} to {@code end} (-1: the end of a blob of unknown
     * length) as they arrive. The response's last byte (or, for an unknown length, its end) waits
     * until the blob is verified, and stored if the datastore took it: so a range of a cold blob
     * completes only once the whole blob is, however early its bytes arrived, and no response of
     * corrupt bytes ever completes. A {@code joiner} is linked before that last byte. Returns
     * false, having sent nothing, when the bytes are no longer held for this follower.
     */
    private boolean send(
            Response response,
            Callback callback,
            SpillableUpload.Follower follower,
            ByteBuffer buffer,
            long position,
            long end,
            NameMapping.Names joiner)
            throws Exception {
        boolean sent = false;
        ByteBuffer last = null;
        while (last == null && (end < 0 || position < end)) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), end < 0 ? Long.MAX_VALUE : end - position));
            int n;
            try {
                n = follower.read(buffer, position);
            } catch (BytesGone e) {
                if (sent) {
                    throw e;
                }
                return false;
            }
            if (n < 0) {
                break; // the end of a blob of unknown length
            }
            position += n;
            buffer.flip();
            if (position == end) { // held back until the blob is verified
                last = ByteBuffer.wrap(new byte[] {buffer.get(buffer.limit() - 1)});
                buffer.limit(buffer.limit() - 1);
            }
            write(response, buffer);
            sent = true;
        }
        follower.close(); // all read: the download need keep no byte for this follower
        follower.download().awaitVerified();
        linkJoiner(joiner, follower.download().digest());
        response.write(true, last, callback);
        return true;
    }

    private static void write(Response response, ByteBuffer bytes) throws IOException {
        if (!bytes.hasRemaining()) {
            return;
        }
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(false, bytes, written);
            written.block();
        }
    }

    /** Links a repository that shared another's download, before its client has the whole answer. */
    private void linkJoiner(NameMapping.Names joiner, Digest digest) throws IOException {
        if (joiner != null) {
            RepositoryLinks.bestEffort(joiner, digest, () -> store.linkLayer(joiner.store(), digest));
        }
    }
}
