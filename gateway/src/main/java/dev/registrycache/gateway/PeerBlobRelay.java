package dev.registrycache.gateway;

import dev.registrycache.common.http.ByteRange;
import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.http.StoredBlobs;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.gateway.peers.RelayedBlob;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Passes on to the client a blob that the owner of its digest, another replica, sends this one,
 * trusting its bytes by their digest only ({@link RelayedBlob}): the owner is asked for the whole
 * blob, and its 200 gets the client a 200, or the 206 of the range it asked for, with headers of
 * this replica's own (the length the owner announced, the digest of the path). Each chunk goes
 * out when the next one has arrived, so that the last one waits for the verification. An answer
 * that is not the blob fails as a broken owner does: re-routed while nothing has gone out, a
 * broken transfer (which the client retries) after. Errors (4xx, 5xx) pass through as Jetty's
 * relay sends them, and so does a 307 (the owner sends the client to the blob's URL in the
 * bucket, S3_REDIRECT: the client checks those bytes); any other answer (206, 304, other 3xx) is
 * not one to a GET of the whole blob.
 */
final class PeerBlobRelay implements org.eclipse.jetty.client.Response.Listener {
    /** The request headers that would get an answer other than the whole blob. */
    static final List<HttpHeader> WHOLE_BLOB_ONLY = List.of(
            HttpHeader.RANGE,
            HttpHeader.IF_RANGE,
            HttpHeader.IF_NONE_MATCH,
            HttpHeader.IF_MATCH,
            HttpHeader.IF_MODIFIED_SINCE,
            HttpHeader.IF_UNMODIFIED_SINCE,
            HttpHeader.ACCEPT_ENCODING);

    private final NodeProxyHandler handler;
    private final Request clientToProxyRequest;
    private final org.eclipse.jetty.client.Request proxyToServerRequest;
    private final Response proxyToClientResponse;
    private final Callback proxyToClientCallback;
    private final org.eclipse.jetty.client.Response.Listener passThrough;
    private final Object lock = new Object();
    private boolean passedOn;
    private RelayedBlob blob;
    private Content.Chunk held;
    private ByteBuffer heldPart;
    private boolean over;
    private volatile boolean clientGone;

    PeerBlobRelay(
            NodeProxyHandler handler,
            Request clientToProxyRequest,
            org.eclipse.jetty.client.Request proxyToServerRequest,
            Response proxyToClientResponse,
            Callback proxyToClientCallback,
            org.eclipse.jetty.client.Response.Listener passThrough) {
        this.handler = handler;
        this.clientToProxyRequest = clientToProxyRequest;
        this.proxyToServerRequest = proxyToServerRequest;
        this.proxyToClientResponse = proxyToClientResponse;
        this.proxyToClientCallback = proxyToClientCallback;
        this.passThrough = passThrough;
    }

    @Override
    public void onBegin(org.eclipse.jetty.client.Response response) {
        int status = response.getStatus();
        // errors, and a 307 to the blob's URL in the bucket (S3_REDIRECT), which the client follows
        passedOn = status >= 400 || status == HttpStatus.TEMPORARY_REDIRECT_307;
        if (passedOn) {
            passThrough.onBegin(response);
        } else if (status != 200) {
            response.abort(new RelayedBlob.Invalid("answered " + status + " to a GET of the whole blob"));
        }
    }

    @Override
    public void onHeaders(org.eclipse.jetty.client.Response response) {
        if (passedOn) {
            passThrough.onHeaders(response);
            return;
        }
        long size = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        blob = new RelayedBlob(
                ProxyRoute.of(clientToProxyRequest).digest(),
                size,
                clientToProxyRequest.getHeaders().get(HttpHeader.RANGE));
        if (blob.range() != ByteRange.UNSATISFIABLE) {
            StoredBlobs.start(
                    proxyToClientResponse, ProxyRoute.of(clientToProxyRequest).digest(), blob.range(), size);
            String held = response.getHeaders().get(StoredBlobs.CACHE_HEADER);
            if (held != null) {
                StoredBlobs.cacheHeader(proxyToClientResponse, held.equals("hit")); // as the owner's store holds it
            }
        }
    }

    @Override
    public void onContent(org.eclipse.jetty.client.Response response, Content.Chunk chunk, Runnable demander)
            throws Exception {
        if (passedOn) {
            passThrough.onContent(response, chunk, demander);
            return;
        }
        ByteBuffer part = blob.next(chunk.getByteBuffer());
        if (!part.hasRemaining()) {
            demander.run();
            return;
        }
        Content.Chunk previous;
        ByteBuffer previousPart;
        synchronized (lock) {
            if (over) {
                return;
            }
            chunk.retain();
            previous = held;
            previousPart = heldPart;
            held = chunk;
            heldPart = part;
        }
        if (previous == null) {
            demander.run();
            return;
        }
        proxyToClientResponse.write(
                false,
                previousPart,
                Callback.from(
                        () -> {
                            previous.release();
                            demander.run();
                        },
                        failure -> {
                            previous.release();
                            clientGone = true; // the owner is not to blame: it is not left out
                            response.abort(failure);
                        }));
    }

    @Override
    public void onSuccess(org.eclipse.jetty.client.Response response) {
        if (passedOn) {
            passThrough.onSuccess(response);
        }
    }

    @Override
    public void onComplete(Result result) {
        if (passedOn) {
            passThrough.onComplete(result);
            return;
        }
        Content.Chunk last;
        ByteBuffer lastPart;
        synchronized (lock) {
            over = true;
            last = held;
            lastPart = heldPart;
            held = null;
        }
        Throwable failure = result.isFailed()
                ? result.getFailure()
                : blob.verified() ? null : new RelayedBlob.Invalid(blob.describe());
        if (failure != null) {
            release(last);
            if (clientGone) {
                proxyToClientCallback.failed(failure);
            } else {
                handler.onServerToProxyResponseFailure(
                        clientToProxyRequest,
                        proxyToServerRequest,
                        result.getResponse(),
                        proxyToClientResponse,
                        proxyToClientCallback,
                        failure);
            }
        } else if (blob.range() == ByteRange.UNSATISFIABLE) {
            release(last);
            refuseRange();
        } else {
            sendLast(last, lastPart);
        }
    }

    /** A range past the end of the blob, now known to be the blob: 416, as for a stored blob. */
    private void refuseRange() {
        ErrorResponses.send(
                clientToProxyRequest,
                proxyToClientResponse,
                proxyToClientCallback,
                new RegistryException(
                        ErrorCode.RANGE_INVALID, "requested range not satisfiable", Map.of("size", blob.size())),
                Map.of(HttpHeader.CONTENT_RANGE.asString(), "bytes */" + blob.size()));
    }

    /** The part held back, now that the blob is verified, and the end of the answer. */
    private void sendLast(Content.Chunk last, ByteBuffer lastPart) {
        proxyToClientResponse.write(
                true,
                lastPart == null ? ByteBuffer.allocate(0) : lastPart,
                Callback.from(
                        () -> {
                            release(last);
                            proxyToClientCallback.succeeded();
                        },
                        x -> {
                            release(last);
                            proxyToClientCallback.failed(x);
                        }));
    }

    private static void release(Content.Chunk chunk) {
        if (chunk != null) {
            chunk.release();
        }
    }
}
