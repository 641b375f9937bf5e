package dev.registrycache.warm;

import dev.registrycache.common.http.StoredBlobs;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ManifestLimitException;
import dev.registrycache.common.oci.ManifestSummary;
import dev.registrycache.common.oci.MediaTypes;
import dev.registrycache.common.oci.Reference;
import dev.registrycache.common.settings.Credentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Optional;
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
 * The cache's public port as {@code warm} asks it, one request per registry operation, with the
 * user's credentials on each: the manifest of a reference, whether the cache holds a blob (a
 * {@code HEAD}, whose {@link StoredBlobs#CACHE_HEADER} says so without moving the bytes), and the
 * fetch of a blob it does not hold, read and discarded: the cache stores what passes through it.
 * Every answer that is not the one asked for becomes a {@link WarmFailure} through {@link Refusals}.
 */
final class CacheClient implements AutoCloseable {
    /**
     * How long the headers of an answer may take: a manifest or blob the cache does not hold waits
     * on the upstream first.
     */
    private static final long ANSWER_SECONDS = 300;
    /** How long a transfer may stand still before it counts as broken. */
    private static final long IDLE_MILLIS = 120_000;

    private static final String ACCEPT = String.join(", ", MediaTypes.ACCEPTED_MANIFESTS);

    private final URI base;
    private final Optional<Credentials> credentials;
    private final HttpClient http = new HttpClient();

    /** A manifest as the cache sent it: its digest (over the bytes as received) and what it references. */
    record Manifest(Digest digest, ManifestSummary summary) {
        boolean isIndex() {
            return MediaTypes.OCI_INDEX.equals(summary.mediaType())
                    || MediaTypes.DOCKER_MANIFEST_LIST.equals(summary.mediaType());
        }
    }

    CacheClient(WarmSettings.Cache cache, Optional<Credentials> credentials) {
        this.base = cache.base();
        this.credentials = credentials;
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setSslContext(cache.tls());
        http.setSslContextFactory(tls);
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("warm-http");
        pool.setDaemon(true);
        http.setExecutor(pool);
        http.setFollowRedirects(false);
        http.setConnectTimeout(10_000);
        http.setIdleTimeout(IDLE_MILLIS);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "registry-cache-warm/0.1"));
    }

    void start() throws Exception {
        http.start();
        // no authentication or content decoding of Jetty's: the cache's answers are taken as sent
        http.getProtocolHandlers().clear();
        http.getContentDecoderFactories().clear();
    }

    /** Asks {@code /v2/}: fails when the cache cannot be reached or refuses the credentials. */
    void checkAccess() throws WarmFailure {
        try (Answer answer = send(HttpMethod.GET, "/v2/")) {
            answer.expect(200);
            answer.drain(n -> {});
        }
    }

    /** The manifest of {@code reference} in the image's repository. */
    Manifest manifest(ImageName image, Reference reference) throws WarmFailure {
        try (Answer answer = send(HttpMethod.GET, path(image, "/manifests/" + reference))) {
            answer.expect(200);
            byte[] bytes = answer.body(ManifestSummary.MAX_BYTES + 1);
            if (bytes.length > ManifestSummary.MAX_BYTES) {
                throw new WarmFailure(
                        "the manifest is larger than the " + (ManifestSummary.MAX_BYTES >> 20) + " MiB a cache serves");
            }
            Digest digest = reference.isDigest() ? reference.digest() : Digest.sha256Of(bytes);
            if (reference.isDigest() && !digest.matches(digest.newHasher().digest(bytes))) {
                throw new WarmFailure("the manifest the cache sent for " + digest + " has another digest");
            }
            ManifestSummary summary = ManifestSummary.read(bytes);
            if (summary.mediaType() == null) {
                throw new WarmFailure("the cache's answer for " + reference + " is not a manifest");
            }
            return new Manifest(digest, summary);
        } catch (ManifestLimitException e) {
            throw new WarmFailure(e.getMessage());
        }
    }

    /** Whether the cache holds {@code blob}: its answer to a {@code HEAD} says {@code hit}. */
    boolean holds(ImageName image, Digest blob) throws WarmFailure {
        try (Answer answer = send(HttpMethod.HEAD, path(image, "/blobs/" + blob))) {
            answer.expect(200);
            return "hit".equals(answer.response.getHeaders().get(StoredBlobs.CACHE_HEADER));
        }
    }

    /** GETs {@code blob}, telling {@code fetched} of its bytes as they arrive; returns how many came. */
    long fetch(ImageName image, Digest blob, LongConsumer fetched) throws WarmFailure {
        try (Answer answer = send(HttpMethod.GET, path(image, "/blobs/" + blob))) {
            answer.expect(200);
            return answer.drain(fetched);
        }
    }

    private static String path(ImageName image, String rest) {
        return "/v2/" + image.cacheRepository() + rest;
    }

    private Answer send(HttpMethod method, String path) throws WarmFailure {
        Request request = http.newRequest(URI.create(base + path))
                .method(method)
                .headers(h -> {
                    h.put(HttpHeader.ACCEPT, ACCEPT);
                    credentials.ifPresent(c -> h.put(HttpHeader.AUTHORIZATION, c.basicHeaderValue()));
                });
        InputStreamResponseListener listener = new InputStreamResponseListener();
        request.send(listener);
        try {
            return new Answer(listener.get(ANSWER_SECONDS, TimeUnit.SECONDS), listener.getInputStream());
        } catch (ExecutionException | TimeoutException e) {
            request.abort(e);
            throw Refusals.unreachable(base, e);
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new WarmFailure("interrupted");
        }
    }

    /** One answer of the cache: its headers, and its body to read once. */
    private final class Answer implements AutoCloseable {
        private final Response response;
        private final InputStream body;

        Answer(Response response, InputStream body) {
            this.response = response;
            this.body = body;
        }

        /** Returns if the status is {@code status}; else fails with the cache's reason. */
        void expect(int status) throws WarmFailure {
            if (response.getStatus() != status) {
                throw Refusals.of(
                        response.getStatus(),
                        bodyOrEmpty(),
                        response.getHeaders().contains(HttpHeader.WWW_AUTHENTICATE),
                        credentials.map(Credentials::username).orElse(null));
            }
        }

        private byte[] bodyOrEmpty() {
            try {
                return body(64 * 1024);
            } catch (WarmFailure e) {
                return new byte[0];
            }
        }

        /** At most {@code limit} bytes of the body. */
        byte[] body(int limit) throws WarmFailure {
            try {
                return body.readNBytes(limit);
            } catch (IOException e) {
                throw Refusals.unreachable(base, e);
            }
        }

        /** Reads the whole body, telling {@code counted} of each part; returns its length. */
        long drain(LongConsumer counted) throws WarmFailure {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            try {
                for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                    total += n;
                    counted.accept(n);
                }
            } catch (IOException e) {
                throw Refusals.unreachable(base, e);
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
