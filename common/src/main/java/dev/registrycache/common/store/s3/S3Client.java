package dev.registrycache.common.store.s3;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.settings.TrustedCas;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentSourceRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Requests to the datastore's bucket on the Jetty HttpClient the node already ships (chosen by
 * measurement, bench/README.md): each signed with {@link SigV4}, bodies streamed with their length
 * (bytes in memory, or a region of a file), answers read as they come in 64 KiB buffers. The one
 * place that turns what the store answers into errors: a status the caller does not expect
 * becomes an {@link S3Exception} naming the request, the bucket and key, the status and S3's code.
 * Requests that may be repeated are, a few times with a growing pause, when the store fails
 * (5xx, SlowDown) or cannot be reached; a store that stops answering fails a request after the
 * idle timeout.
 */
final class S3Client implements AutoCloseable {
    static final String REQUESTS = "registry_cache_s3_requests_total";
    private static final int RESPONSE_BUFFER = 64 * 1024;
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final Set<String> RETRIED_CODES =
            Set.of("SlowDown", "InternalError", "RequestTimeout", "ServiceUnavailable");

    private final HttpClient http;
    private final SigV4 signer;
    private final BucketAddress address;
    private final long idleMillis;
    private final int attempts;
    private final Duration firstPause;
    private final Metrics.Counter requests;

    /** @param metrics where {@value #REQUESTS} counts the requests by operation and result */
    S3Client(S3Settings settings, Duration idleTimeout, int attempts, Duration firstPause, Metrics metrics) {
        this.requests = metrics.counter(
                REQUESTS,
                "Requests to the datastore's S3 bucket by operation and result: ok (the answer expected), retried (an"
                        + " attempt that failed and was repeated), failed (the error reached the caller)",
                "operation",
                "result");
        this.signer = new SigV4(settings.credentials(), settings.region());
        this.address = BucketAddress.of(settings);
        this.idleMillis = idleTimeout.toMillis();
        this.attempts = attempts;
        this.firstPause = firstPause;
        SslContextFactory.Client tls = new SslContextFactory.Client();
        settings.caFile().ifPresent(f -> tls.setTrustStore(TrustedCas.withExtraCas(f, "S3_CA_FILE")));
        this.http = new HttpClient();
        http.setSslContextFactory(tls);
        QueuedThreadPool pool = new QueuedThreadPool(64, 2);
        pool.setName("s3");
        pool.setDaemon(true);
        http.setExecutor(pool);
        http.setFollowRedirects(false);
        http.setConnectTimeout(Math.min(idleMillis, 10_000));
        http.setIdleTimeout(idleMillis);
        http.setMaxConnectionsPerDestination(256);
        http.setResponseBufferSize(RESPONSE_BUFFER);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "registry-cache/0.1"));
    }

    void start() throws IOException {
        try {
            http.start();
        } catch (Exception e) {
            throw new IOException("cannot start the S3 client: " + Reasons.of(e), e);
        }
        // S3 answers are taken as they come: no redirects, no authentication, no content decoding
        http.getProtocolHandlers().clear();
        http.getContentDecoderFactories().clear();
    }

    BucketAddress address() {
        return address;
    }

    /** A request body: made anew for each attempt, with the SHA-256 it is signed with. */
    record Body(Supplier<Request.Content> content, String sha256) {
        static Body of(byte[] bytes) {
            return new Body(() -> new BytesRequestContent("application/octet-stream", bytes), SigV4.sha256Hex(bytes));
        }
    }

    /** A region of a local file as a body, sent unsigned (S3 accepts it; the digest is checked on our side). */
    Body fileRegion(Path file, long offset, long length) {
        ByteBufferPool.Sized buffers = new ByteBufferPool.Sized(http.getByteBufferPool(), false, RESPONSE_BUFFER);
        return new Body(
                () -> new ContentSourceRequestContent(
                        Content.Source.from(buffers, file, offset, length), "application/octet-stream"),
                SigV4.UNSIGNED_PAYLOAD);
    }

    /**
     * A request: {@code what} and {@code where} name it in errors ({@code GET}, {@code
     * bucket/key}); {@code idempotent} ones are repeated when the store fails.
     */
    record Call(
            String method,
            URI uri,
            Map<String, String> headers,
            Body body,
            String what,
            String where,
            boolean idempotent) {}

    /** Sends {@code call} and answers once the headers came, if its status is one of {@code expected}; reads nothing of the body. */
    S3Response open(Call call, Set<Integer> expected) throws IOException {
        for (int attempt = 1; ; attempt++) {
            S3Response response;
            try {
                response = S3Response.send(request(call), idleMillis + 30_000);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (call.idempotent() && attempt < attempts) {
                    count(call, "retried");
                    pause(attempt);
                    continue;
                }
                count(call, "failed");
                throw new S3Exception(call.what(), call.where(), 0, null, Reasons.of(e), e);
            }
            if (expected.contains(response.status())) {
                count(call, "ok");
                return response;
            }
            S3Exception error = error(call, response);
            if (call.idempotent() && attempt < attempts && retried(error)) {
                count(call, "retried");
                pause(attempt);
                continue;
            }
            count(call, "failed");
            throw error;
        }
    }

    /** The whole answer of a request whose answer is small (at most {@code maxBody} bytes), and its status. */
    record Answer(int status, byte[] body, S3Response headers) {
        String header(String name) {
            return headers.header(name);
        }
    }

    Answer exchange(Call call, Set<Integer> expected, int maxBody) throws IOException {
        try (S3Response response = open(call, expected)) {
            try {
                return new Answer(response.status(), response.readAll(maxBody), response);
            } catch (IOException e) {
                throw new S3Exception(call.what(), call.where(), response.status(), null, Reasons.of(e), e);
            }
        }
    }

    /** The error an unexpected answer means; reads (a little of) its body and closes it. */
    private static S3Exception error(Call call, S3Response response) {
        byte[] body;
        try (response) {
            body = call.method().equals("HEAD") ? new byte[0] : response.readAll(MAX_ERROR_BODY);
        } catch (IOException e) {
            body = new byte[0];
        }
        S3Xml.S3Error error = S3Xml.error(body);
        String code = error != null ? error.code() : response.header("x-amz-error-code");
        String message = error != null ? error.message() : (body.length > 0 ? S3Xml.excerpt(body) : null);
        return new S3Exception(call.what(), call.where(), response.status(), code, message);
    }

    /** The operation as a label: {@code GET}, {@code PUT ?partNumber}, {@code LIST}... */
    private void count(Call call, String result) {
        requests.labels(call.what(), result).add(1);
    }

    private static boolean retried(S3Exception e) {
        return e.status() >= 500 || e.status() == 0 || (e.code() != null && RETRIED_CODES.contains(e.code()));
    }

    private void pause(int attempt) throws InterruptedIOException {
        try {
            Thread.sleep(firstPause.toMillis() << (2 * (attempt - 1)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted between attempts");
        }
    }

    private Request request(Call call) {
        Request request =
                http.newRequest(call.uri()).method(call.method()).idleTimeout(idleMillis, TimeUnit.MILLISECONDS);
        String payload = call.body() == null ? SigV4.EMPTY_SHA256 : call.body().sha256();
        Map<String, String> added = signer.sign(call.method(), call.uri(), call.headers(), payload, Instant.now());
        request.headers(h -> {
            call.headers().forEach(h::put);
            added.forEach(h::put);
        });
        if (call.body() != null) {
            request.body(call.body().content().get());
        }
        return request;
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // stopping: nothing left to do with it
        }
    }
}
