package dev.registrycache.node.upstream;

import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

import java.io.IOException;
import java.io.InputStream;

/**
 * An upstream response whose headers have arrived and whose body streams on demand. Closing it
 * before the body is read aborts the exchange.
 */
public final class UpstreamResponse implements AutoCloseable {
    private final Response response;
    private final InputStreamResponseListener listener;
    private InputStream body;

    UpstreamResponse(Response response, InputStreamResponseListener listener) {
        this.response = response;
        this.listener = listener;
    }

    public int status() {
        return response.getStatus();
    }

    public HttpFields headers() {
        return response.getHeaders();
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

    public synchronized InputStream body() {
        if (body == null) {
            body = listener.getInputStream();
        }
        return body;
    }

    /** Reads the whole body, refusing one larger than {@code maxBytes}. */
    public byte[] readBody(int maxBytes) throws IOException {
        long declared = contentLength();
        if (declared > maxBytes) {
            throw new IOException("upstream body of " + declared + " bytes exceeds the limit of " + maxBytes);
        }
        byte[] bytes = body().readNBytes(maxBytes + 1);
        if (bytes.length > maxBytes) {
            throw new IOException("upstream body exceeds the limit of " + maxBytes + " bytes");
        }
        return bytes;
    }

    @Override
    public void close() {
        try {
            body().close();
        } catch (IOException ignored) {
            // closing aborts; nothing else to do
        }
    }
}
