package dev.registrycache.node.upstream;

import dev.registrycache.common.Reasons;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

/**
 * An upstream response whose headers have arrived and whose body streams on demand, either as
 * chunks ({@link #readChunk}) or as an {@link InputStream}. Closing it before the body is read
 * to the end aborts the exchange, so the connection is not reused half-read.
 */
public final class UpstreamResponse implements AutoCloseable {
    private final Request request;
    private final Response response;
    private final SourceListener listener;
    private final long idleTimeoutMillis;
    private boolean finished;

    UpstreamResponse(Request request, Response response, SourceListener listener, long idleTimeoutMillis) {
        this.request = request;
        this.response = response;
        this.listener = listener;
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    public int status() {
        return response.getStatus();
    }

    public String header(HttpHeader name) {
        return response.getHeaders().get(name);
    }

    public String header(String name) {
        return response.getHeaders().get(name);
    }

    /** Content-Length, or -1 when the upstream did not say. */
    public long contentLength() {
        return response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
    }

    private Content.Source source() throws IOException {
        try {
            return listener.body.get(idleTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("upstream body failed: " + Reasons.of(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("upstream body did not start in time", e);
        }
    }

    /**
     * The next chunk of the body, blocking until one is there; the caller must release it.
     * Returns null at the end of the body; throws if the transfer failed.
     */
    public Content.Chunk readChunk() throws IOException {
        if (finished) {
            return null;
        }
        Content.Source source = source();
        while (true) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                CountDownLatch ready = new CountDownLatch(1);
                source.demand(ready::countDown);
                try {
                    if (!ready.await(idleTimeoutMillis, TimeUnit.MILLISECONDS)) {
                        throw new IOException("upstream stalled for " + idleTimeoutMillis + " ms");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                continue;
            }
            if (Content.Chunk.isFailure(chunk)) {
                finished = true;
                throw new IOException(
                        "upstream transfer failed: " + Reasons.of(chunk.getFailure()), chunk.getFailure());
            }
            if (chunk.isLast()) {
                finished = true;
                if (!chunk.hasRemaining()) {
                    chunk.release();
                    return null;
                }
            }
            return chunk;
        }
    }

    /** The body as a stream (for small bodies: manifests, tokens, tag lists). */
    public InputStream body() throws IOException {
        return Content.Source.asInputStream(source());
    }

    /**
     * Reads the whole body, refusing one larger than {@code maxBytes}. With a {@code Content-Length}
     * the body is read into one array of that size; without, the memory read peaks at twice the body.
     */
    public byte[] readBody(int maxBytes) throws IOException {
        long declared = contentLength();
        if (declared > maxBytes) {
            throw new IOException("upstream body of " + declared + " bytes exceeds the limit of " + maxBytes);
        }
        byte[] bytes;
        try (InputStream in = body()) {
            if (declared >= 0) {
                bytes = new byte[(int) declared];
                if (in.readNBytes(bytes, 0, bytes.length) < bytes.length || in.read() >= 0) {
                    throw new IOException("upstream body does not have its declared " + declared + " bytes");
                }
            } else {
                bytes = in.readNBytes(maxBytes + 1);
            }
        }
        finished = true;
        if (bytes.length > maxBytes) {
            throw new IOException("upstream body exceeds the limit of " + maxBytes + " bytes");
        }
        return bytes;
    }

    @Override
    public void close() {
        if (!finished) {
            finished = true;
            request.abort(new IOException("response closed before its end"));
        }
    }
}
