package dev.registrycache.node.upstream;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.settings.Credentials;
import dev.registrycache.common.settings.Setting;
import dev.registrycache.common.settings.TrustedCas;
import dev.registrycache.node.NodeMetrics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Talks to one upstream registry: authenticates as {@link UpstreamAuthentication} chooses, sends
 * the credentials to a token realm only where the {@link TokenRealmPolicy} allows, follows
 * redirects itself so that credentials never go to another host (the CDN a blob is
 * redirected to) and the cache goes only where its {@link RedirectPolicy} allows, and turns
 * HTTP statuses into {@link UpstreamException}s in {@link #expectSuccess}. When the upstream
 * cannot be reached or refuses what the pull secret holds, the {@link UpstreamWarnings} tell the
 * operator.
 */
public final class UpstreamClient implements AutoCloseable {
    private static final int MAX_HOPS = 8;
    private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final URI endpoint;
    private final RedirectPolicy redirects;
    private final HttpClient http;
    private final UpstreamAuthentication auth;
    private final UpstreamWarnings warnings;

    private final Metrics.Counter responses;
    private final Metrics.Histogram latency;
    private final String registry;
    private final RateLimits rateLimits;

    public UpstreamClient(
            String registry,
            URI endpoint,
            Optional<Credentials> credentials,
            Optional<Path> pullSecretFile,
            Optional<Path> caFile,
            RedirectPolicy redirects,
            TokenRealmPolicy realms,
            NodeMetrics metrics) {
        this.registry = registry;
        this.responses = metrics.upstreamResponses();
        this.latency = metrics.upstreamSeconds();
        this.rateLimits = new RateLimits(
                registry, metrics.upstreamRateLimit(), metrics.upstreamRateLimitRemaining(), System::nanoTime);
        this.endpoint = endpoint;
        this.warnings =
                new UpstreamWarnings(registry, endpoint, credentials.isPresent(), pullSecretFile, Clock.systemUTC());
        this.auth = new UpstreamAuthentication(credentials, realms, this::getToken, warnings);
        this.redirects = redirects;
        SslContextFactory.Client tls = new SslContextFactory.Client();
        caFile.ifPresent(f -> tls.setTrustStore(TrustedCas.withExtraCas(f, Setting.UPSTREAM_CA_FILE.env())));
        this.http = new HttpClient();
        http.setSslContextFactory(tls);
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("upstream");
        pool.setDaemon(true);
        http.setExecutor(pool);
        http.setFollowRedirects(false);
        http.setConnectTimeout(10_000);
        http.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        http.setMaxConnectionsPerDestination(64);
        http.setResponseBufferSize(64 * 1024);
        http.setUserAgentField(new org.eclipse.jetty.http.HttpField(HttpHeader.USER_AGENT, "registry-cache/0.1"));
    }

    public void start() throws Exception {
        http.start();
        // No automatic redirects, authentication or content decoding: this class does those.
        http.getProtocolHandlers().clear();
        http.getContentDecoderFactories().clear();
    }

    @Override
    public void close() throws Exception {
        http.stop();
    }

    /**
     * Sends {@code method path} (path below the endpoint, e.g. {@code /v2/podman/hello/manifests/latest})
     * for {@code repository} and returns the final response once its headers arrived. Does not
     * judge the status: see {@link #expectSuccess}.
     */
    public UpstreamResponse send(String method, String path, String repository, Map<String, String> headers)
            throws UpstreamException {
        return send(method, path, repository, headers, HEADERS_TIMEOUT);
    }

    /**
     * {@link #send(String, String, String, Map)}, waiting at most {@code deadline} for each
     * response's headers (connecting included): past it the upstream counts as not answering.
     */
    public UpstreamResponse send(
            String method, String path, String repository, Map<String, String> headers, Duration deadline)
            throws UpstreamException {
        long blocked = rateLimits.blockedSeconds();
        if (blocked > 0) {
            throw new UpstreamException(
                    UpstreamException.Kind.TOO_MANY_REQUESTS,
                    429,
                    "the upstream asked the cache to wait " + blocked + " s more (rate limit)",
                    blocked,
                    null);
        }
        URI uri = URI.create(endpoint.toString() + path);
        String scope = repository == null ? null : "repository:" + repository + ":pull";
        String currentMethod = method;
        boolean authRetried = false;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            boolean sameOrigin = sameOrigin(uri, endpoint);
            Request request;
            try {
                request = http.newRequest(uri)
                        .method(currentMethod)
                        .idleTimeout(IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (IllegalArgumentException e) {
                throw new UpstreamException(
                        UpstreamException.Kind.INVALID_RESPONSE, 0, "upstream sent an invalid redirect", -1, e);
            }
            String authorization = sameOrigin ? auth.authorization(scope) : null;
            request.headers(h -> {
                headers.forEach(h::put);
                if (authorization != null) {
                    h.put(HttpHeader.AUTHORIZATION, authorization);
                }
            });
            UpstreamResponse response = exchange(request, deadline);
            int status = response.status();
            if (status == 401 && sameOrigin) {
                if (!authRetried
                        && auth.answer(
                                AuthChallenge.parse(response.header(HttpHeader.WWW_AUTHENTICATE)),
                                scope,
                                authorization)) {
                    response.close();
                    authRetried = true;
                    continue;
                }
                warnings.registryRefused(authorization, repository);
                return response;
            }
            if (isRedirect(status) && response.header(HttpHeader.LOCATION) != null) {
                String location = response.header(HttpHeader.LOCATION);
                response.close();
                try {
                    uri = uri.resolve(location);
                } catch (IllegalArgumentException e) {
                    throw new UpstreamException(
                            UpstreamException.Kind.INVALID_RESPONSE,
                            status,
                            "upstream sent an invalid redirect",
                            -1,
                            e);
                }
                redirects.check(uri);
                if (status == 303 && !currentMethod.equals("HEAD")) {
                    currentMethod = "GET";
                }
                continue;
            }
            return response;
        }
        throw new UpstreamException(
                UpstreamException.Kind.INVALID_RESPONSE, 0, "too many redirects from upstream", -1, null);
    }

    /** Returns {@code response} if its status is 2xx; else closes it and throws the typed error. */
    public static UpstreamResponse expectSuccess(UpstreamResponse response) throws UpstreamException {
        int status = response.status();
        if (status >= 200 && status < 300) {
            return response;
        }
        long retryAfter = parseRetryAfter(response.header(HttpHeader.RETRY_AFTER));
        response.close();
        UpstreamException.Kind kind = switch (status) {
            case 404 -> UpstreamException.Kind.NOT_FOUND;
            case 401 -> UpstreamException.Kind.UNAUTHORIZED;
            case 403 -> UpstreamException.Kind.DENIED;
            case 429 -> UpstreamException.Kind.TOO_MANY_REQUESTS;
            default -> status >= 500 ? UpstreamException.Kind.UNAVAILABLE : UpstreamException.Kind.INVALID_RESPONSE;
        };
        throw new UpstreamException(kind, status, "upstream answered " + status, retryAfter, null);
    }

    /**
     * Whether the upstream answers at all within {@code deadline}: {@code GET /v2/} without
     * credentials, any status but a 5xx or a 429 (a 401 is an answer).
     */
    public boolean answers(Duration deadline) {
        if (rateLimits.blockedSeconds() > 0) {
            return false;
        }
        Request request = http.newRequest(URI.create(endpoint + "/v2/")).method("GET");
        try (UpstreamResponse r = exchange(request, deadline)) {
            return r.status() < 500 && r.status() != 429;
        } catch (UpstreamException e) {
            return false;
        }
    }

    private UpstreamResponse exchange(Request request, Duration deadline) throws UpstreamException {
        SourceListener listener = new SourceListener();
        long t0 = System.nanoTime();
        request.send(listener);
        try {
            Response response = listener.headers.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            rateLimits.observe(
                    response.getStatus(),
                    parseRetryAfter(response.getHeaders().get(HttpHeader.RETRY_AFTER)),
                    response.getHeaders().get("ratelimit-limit"),
                    response.getHeaders().get("ratelimit-remaining"));
            responses
                    .labels(registry, request.getMethod(), Integer.toString(response.getStatus()))
                    .add(1);
            latency.observe((System.nanoTime() - t0) / 1e9, registry, request.getMethod());
            return new UpstreamResponse(request, response, listener, IDLE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw UpstreamException.unreachable("interrupted", e);
        } catch (TimeoutException e) {
            request.abort(e);
            throw unreachable(request, "no answer in " + deadline.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw unreachable(request, Reasons.of(e.getCause()), e.getCause());
        }
    }

    private UpstreamException unreachable(Request request, String reason, Throwable cause) {
        responses.labels(registry, request.getMethod(), "unreachable").add(1);
        warnings.unreachable(request.getURI(), reason);
        return UpstreamException.unreachable("upstream " + request.getHost() + " unreachable: " + reason, cause);
    }

    private UpstreamResponse getToken(URI uri, String authorization) throws UpstreamException {
        Request request = http.newRequest(uri).method("GET").timeout(HEADERS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (authorization != null) {
            request.headers(h -> h.put(HttpHeader.AUTHORIZATION, authorization));
        }
        return exchange(request, HEADERS_TIMEOUT);
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme()))
                && Objects.equals(lower(a.getHost()), lower(b.getHost()))
                && port(a) == port(b);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static long parseRetryAfter(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
