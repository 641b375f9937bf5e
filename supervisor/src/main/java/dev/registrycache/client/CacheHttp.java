package dev.registrycache.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP client of a command that talks to the cache's public port ({@code warm}, {@code admin}):
 * the TLS trust and credentials of its {@link CacheAccess} on every request, the cache's answers
 * taken as sent (no redirects followed, no content decoded, no authentication of Jetty's), and
 * every way of not reaching the cache turned into a {@link CacheFailure} by {@link Unreachable}.
 */
public final class CacheHttp implements AutoCloseable {
    /**
     * How long the headers of an answer may take: a manifest or blob the cache does not hold waits
     * on the upstream first, a purge on the datastore.
     */
    private static final long ANSWER_SECONDS = 300;
    /** How long a transfer may stand still before it counts as broken. */
    private static final long IDLE_MILLIS = 120_000;

    private final CacheAccess access;
    private final HttpClient http = new HttpClient();

    /** A client for {@code access}; {@code command} ({@code warm}) names its threads and its User-Agent. */
    public CacheHttp(CacheAccess access, String command) {
        this.access = access;
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setSslContext(access.tls());
        http.setSslContextFactory(tls);
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName(command + "-http");
        pool.setDaemon(true);
        http.setExecutor(pool);
        http.setFollowRedirects(false);
        http.setConnectTimeout(10_000);
        http.setIdleTimeout(IDLE_MILLIS);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "registry-cache-" + command + "/0.1"));
    }

    public void start() throws Exception {
        http.start();
        http.getProtocolHandlers().clear();
        http.getContentDecoderFactories().clear();
    }

    public CacheAccess access() {
        return access;
    }

    /**
     * Sends {@code method} to {@code path} (from '/', with its query) accepting {@code accept}, with
     * {@code content} (null: none); returns once the answer's headers are in.
     */
    public Answer send(HttpMethod method, String path, String accept, Request.Content content) throws CacheFailure {
        Request request = http.newRequest(URI.create(access.base() + path))
                .method(method)
                .headers(h -> {
                    h.put(HttpHeader.ACCEPT, accept);
                    access.credentials().ifPresent(c -> h.put(HttpHeader.AUTHORIZATION, c.basicHeaderValue()));
                });
        if (content != null) {
            request.body(content);
        }
        InputStreamResponseListener listener = new InputStreamResponseListener();
        request.send(listener);
        try {
            return new Answer(listener.get(ANSWER_SECONDS, TimeUnit.SECONDS), listener.getInputStream());
        } catch (ExecutionException | TimeoutException e) {
            request.abort(e);
            throw Unreachable.of(access.base(), e);
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new CacheFailure("interrupted");
        }
    }

    /** One answer of the cache: its headers, and its body to read once. */
    public final class Answer implements AutoCloseable {
        private final Response response;
        private final InputStream body;

        private Answer(Response response, InputStream body) {
            this.response = response;
            this.body = body;
        }

        public int status() {
            return response.getStatus();
        }

        /** The header's value, or null. */
        public String header(String name) {
            return response.getHeaders().get(name);
        }

        /** Whether the cache's own authentication asked for credentials: a 401 with {@code WWW-Authenticate}. */
        public boolean challenged() {
            return status() == 401 && response.getHeaders().contains(HttpHeader.WWW_AUTHENTICATE);
        }

        /** At most {@code limit} bytes of the body. */
        public byte[] body(int limit) throws CacheFailure {
            try {
                return body.readNBytes(limit);
            } catch (IOException e) {
                throw Unreachable.of(access.base(), e);
            }
        }

        /** At most 64 KiB of the body, or nothing if it cannot be read: for an answer that explains a refusal. */
        public byte[] bodyOrEmpty() {
            try {
                return body(64 * 1024);
            } catch (CacheFailure e) {
                return new byte[0];
            }
        }

        /** Reads the whole body, telling {@code counted} of each part; returns its length. */
        public long drain(LongConsumer counted) throws CacheFailure {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            try {
                for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                    total += n;
                    counted.accept(n);
                }
            } catch (IOException e) {
                throw Unreachable.of(access.base(), e);
            }
            return total;
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException ignored) {
                // the answer is done with either way
            }
        }
    }

    @Override
    public void close() throws Exception {
        http.stop();
    }
}
