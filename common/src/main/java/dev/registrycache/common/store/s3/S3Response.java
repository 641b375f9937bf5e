package dev.registrycache.common.store.s3;

import dev.registrycache.common.Reasons;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.io.Content;

/**
 * An answer of the bucket whose headers have come, its body read as it comes: chunk by chunk in
 * Jetty's own buffers, pulled by the reader (the store sends no faster than the reader reads),
 * the node's way of reading a body. Closing it before the end aborts the request, which costs the
 * connection: a reader that stops half-way through a blob must not read the rest.
 */
final class S3Response implements Closeable {
    private final Request request;
    private final Response response;
    private final CompletableFuture<Content.Source> body;
    private final long waitMillis;
    private Content.Source source;
    private Content.Chunk chunk;
    private boolean ended;

    private S3Response(Request request, Response response, CompletableFuture<Content.Source> body, long waitMillis) {
        this.request = request;
        this.response = response;
        this.body = body;
        this.waitMillis = waitMillis;
    }

    /**
     * Sends {@code request} and waits for the answer's headers. The request's idle timeout bounds
     * every wait (a store that stops answering fails the request); {@code waitMillis} is a
     * backstop beyond it.
     */
    static S3Response send(Request request, long waitMillis) throws IOException {
        CompletableFuture<Response> headers = new CompletableFuture<>();
        CompletableFuture<Content.Source> body = new CompletableFuture<>();
        request.onResponseHeaders(headers::complete)
                .onResponseContentSource((response, source) -> body.complete(source))
                .send(result -> {
                    if (result.isFailed()) {
                        headers.completeExceptionally(result.getFailure());
                        body.completeExceptionally(result.getFailure());
                    } else {
                        headers.complete(result.getResponse());
                        body.complete(null); // no body, unless it came before
                    }
                });
        return new S3Response(request, await(headers, request, waitMillis), body, waitMillis);
    }

    int status() {
        return response.getStatus();
    }

    /** A header's value; null if absent. */
    String header(String name) {
        return response.getHeaders().get(name);
    }

    /** The Content-Length; -1 if none. */
    long contentLength() {
        return response.getHeaders().getLongField("Content-Length");
    }

    /** Reads into {@code dst} what has come, waiting for some; -1 at the end. */
    int read(ByteBuffer dst) throws IOException {
        while (true) {
            if (chunk != null) {
                ByteBuffer bytes = chunk.getByteBuffer();
                if (bytes.hasRemaining() && dst.hasRemaining()) {
                    int n = Math.min(bytes.remaining(), dst.remaining());
                    dst.put(bytes.slice(bytes.position(), n));
                    bytes.position(bytes.position() + n);
                    return n;
                }
                if (bytes.hasRemaining()) {
                    return 0;
                }
                boolean last = chunk.isLast();
                chunk.release();
                chunk = null;
                if (last) {
                    ended = true;
                }
            }
            if (ended || !dst.hasRemaining()) {
                return ended ? -1 : 0;
            }
            next();
        }
    }

    /** The whole body, of at most {@code max} bytes; an IOException if it is longer. */
    byte[] readAll(int max) throws IOException {
        long length = contentLength();
        ByteBuffer out = ByteBuffer.allocate((int) Math.min(max, length >= 0 ? length : 64 * 1024));
        while (true) {
            if (!out.hasRemaining()) {
                if (out.capacity() >= max) {
                    if (read(ByteBuffer.allocate(1)) < 0) {
                        break;
                    }
                    throw new IOException("an answer longer than " + max + " bytes");
                }
                out = ByteBuffer.allocate((int) Math.min(max, Math.max(8192, 2L * out.capacity())))
                        .put(out.flip());
            }
            if (read(out) < 0) {
                break;
            }
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    /** Takes the next chunk, waiting for it; a failed body is an IOException. */
    private void next() throws IOException {
        if (source == null) {
            source = await(body, request, waitMillis);
            if (source == null) {
                ended = true;
                return;
            }
        }
        Content.Chunk c = source.read();
        if (c == null) {
            CountDownLatch more = new CountDownLatch(1);
            source.demand(more::countDown);
            try {
                if (!more.await(waitMillis, TimeUnit.MILLISECONDS)) {
                    throw new IOException("no bytes came for " + waitMillis / 1000 + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading");
            }
            return;
        }
        if (Content.Chunk.isFailure(c)) {
            throw new IOException("the answer broke off: " + Reasons.of(c.getFailure()), c.getFailure());
        }
        chunk = c;
    }

    /** Aborts the request unless its body was read to the end. */
    @Override
    public void close() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
        if (!ended) {
            ended = true;
            request.abort(new IOException("closed before the end of the answer"));
        }
    }

    private static <T> T await(CompletableFuture<T> future, Request request, long waitMillis) throws IOException {
        try {
            return future.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(Reasons.of(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            request.abort(e);
            throw new IOException("no answer for " + waitMillis / 1000 + " s");
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the store");
        }
    }
}
