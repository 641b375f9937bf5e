package dev.registrycache.node.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Credentials;
import dev.registrycache.common.Json;
import dev.registrycache.common.Metrics;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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

/**
 * Talks to one upstream registry: authenticates (anonymous, Basic, or Bearer tokens fetched
 * with the pull-secret credentials and reused per scope until they expire), follows redirects
 * itself so that credentials never go to another host (the CDN a blob is redirected to) and
 * the cache goes only where its {@link RedirectPolicy} allows, and turns HTTP statuses into
 * {@link UpstreamException}s in {@link #expectSuccess}.
 */
public final class UpstreamClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamClient.class);
    private static final int MAX_HOPS = 8;
    private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final URI endpoint;
    private final Optional<Credentials> credentials;
    private final RedirectPolicy redirects;
    private final HttpClient http;
    private final TokenCache tokens = new TokenCache(Clock.systemUTC());
    private volatile boolean basicScheme;

    private final Metrics.Counter responses;
    private final Metrics.Counter latencySum;
    private final Metrics.Counter latencyCount;
    private final String registry;

    public UpstreamClient(String registry, URI endpoint, Optional<Credentials> credentials, Optional<Path> caFile,
                          RedirectPolicy redirects, Metrics metrics) {
        this.registry = registry;
        this.responses = metrics.counter("registry_cache_upstream_responses_total",
                "Upstream answers by method and status; code \"unreachable\" when there was none", "registry", "method", "code");
        this.latencySum = metrics.counter("registry_cache_upstream_response_seconds_sum",
                "Time until the upstream's response headers arrived", "registry", "method");
        this.latencyCount = metrics.counter("registry_cache_upstream_response_seconds_count",
                "Upstream responses timed in registry_cache_upstream_response_seconds_sum", "registry", "method");
        this.endpoint = endpoint;
        this.credentials = credentials;
        this.redirects = redirects;
        SslContextFactory.Client tls = new SslContextFactory.Client();
        caFile.ifPresent(f -> tls.setTrustStore(UpstreamTrust.withExtraCas(f)));
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

    public URI endpoint() {
        return endpoint;
    }

    /**
     * Sends {@code method path} (path below the endpoint, e.g. {@code /v2/podman/hello/manifests/latest})
     * for {@code repository} and returns the final response once its headers arrived. Does not
     * judge the status: see {@link #expectSuccess}.
     */
    public UpstreamResponse send(String method, String path, String repository, Map<String, String> headers)
            throws UpstreamException {
        URI uri = URI.create(endpoint.toString() + path);
        String scope = repository == null ? null : "repository:" + repository + ":pull";
        String currentMethod = method;
        boolean authRetried = false;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            boolean sameOrigin = sameOrigin(uri, endpoint);
            Request request;
            try {
                request = http.newRequest(uri).method(currentMethod)
                        .idleTimeout(IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (IllegalArgumentException e) {
                throw new UpstreamException(UpstreamException.Kind.INVALID_RESPONSE, 0, "upstream sent an invalid redirect", -1, e);
            }
            String authorization = sameOrigin ? authorizationFor(scope) : null;
            request.headers(h -> {
                headers.forEach(h::put);
                if (authorization != null) {
                    h.put(HttpHeader.AUTHORIZATION, authorization);
                }
            });
            UpstreamResponse response = exchange(request);
            int status = response.status();
            if (status == 401 && sameOrigin && !authRetried) {
                AuthChallenge challenge = AuthChallenge.parse(response.header(HttpHeader.WWW_AUTHENTICATE));
                boolean bearer = challenge != null && challenge.isBearer();
                // Whether another request switched to Basic meanwhile does not matter: this one
                // went without the credentials, so it is retried with them.
                boolean basic = challenge != null && challenge.isBasic() && credentials.isPresent()
                        && !credentials.get().basicHeaderValue().equals(authorization);
                if (bearer || basic) {
                    response.close();
                    authRetried = true;
                    if (bearer) {
                        obtainToken(challenge, scope);
                    } else {
                        basicScheme = true;
                    }
                    continue;
                }
                return response;
            }
            if (isRedirect(status) && response.header(HttpHeader.LOCATION) != null) {
                String location = response.header(HttpHeader.LOCATION);
                response.close();
                try {
                    uri = uri.resolve(location);
                } catch (IllegalArgumentException e) {
                    throw new UpstreamException(UpstreamException.Kind.INVALID_RESPONSE, status,
                            "upstream sent an invalid redirect", -1, e);
                }
                redirects.check(uri);
                if (status == 303 && !currentMethod.equals("HEAD")) {
                    currentMethod = "GET";
                }
                continue;
            }
            return response;
        }
        throw new UpstreamException(UpstreamException.Kind.INVALID_RESPONSE, 0, "too many redirects from upstream", -1, null);
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

    private UpstreamResponse exchange(Request request) throws UpstreamException {
        SourceListener listener = new SourceListener();
        long t0 = System.nanoTime();
        request.send(listener);
        try {
            Response response = listener.headers.get(HEADERS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            responses.labels(registry, request.getMethod(), Integer.toString(response.getStatus())).add(1);
            latencySum.labels(registry, request.getMethod()).add((System.nanoTime() - t0) / 1e9);
            latencyCount.labels(registry, request.getMethod()).add(1);
            return new UpstreamResponse(request, response, listener, IDLE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw UpstreamException.unreachable("interrupted", e);
        } catch (TimeoutException e) {
            request.abort(e);
            responses.labels(registry, request.getMethod(), "unreachable").add(1);
            throw UpstreamException.unreachable("upstream " + request.getHost() + " did not answer in time", e);
        } catch (ExecutionException e) {
            responses.labels(registry, request.getMethod(), "unreachable").add(1);
            throw UpstreamException.unreachable("upstream " + request.getHost() + " unreachable: " + e.getCause(), e.getCause());
        }
    }

    private String authorizationFor(String scope) {
        if (basicScheme && credentials.isPresent()) {
            return credentials.get().basicHeaderValue();
        }
        String token = scope == null ? tokens.get("") : tokens.get(scope);
        return token == null ? null : "Bearer " + token;
    }

    private void obtainToken(AuthChallenge challenge, String scope) throws UpstreamException {
        String realm = challenge.param("realm");
        if (realm == null) {
            throw new UpstreamException(UpstreamException.Kind.INVALID_RESPONSE, 401, "bearer challenge without realm", -1, null);
        }
        StringBuilder url = new StringBuilder(realm);
        char sep = realm.contains("?") ? '&' : '?';
        if (challenge.param("service") != null) {
            url.append(sep).append("service=").append(enc(challenge.param("service")));
            sep = '&';
        }
        String wanted = scope != null ? scope : challenge.param("scope");
        if (wanted != null) {
            url.append(sep).append("scope=").append(enc(wanted));
        }
        URI tokenUri;
        try {
            tokenUri = URI.create(url.toString());
        } catch (IllegalArgumentException e) {
            throw new UpstreamException(UpstreamException.Kind.INVALID_RESPONSE, 401, "bearer realm is not a URL", -1, e);
        }
        Request request = http.newRequest(tokenUri).method("GET")
                .timeout(HEADERS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        credentials.ifPresent(c -> request.headers(h -> h.put(HttpHeader.AUTHORIZATION, c.basicHeaderValue())));
        try (UpstreamResponse response = expectSuccess(exchange(request))) {
            JsonNode json = Json.MAPPER.readTree(response.readBody(1 << 20));
            String token = json.path("token").asText(null);
            if (token == null || token.isEmpty()) {
                token = json.path("access_token").asText(null);
            }
            if (token == null || token.isEmpty()) {
                throw new UpstreamException(UpstreamException.Kind.INVALID_RESPONSE, 200, "token server sent no token", -1, null);
            }
            long expiresIn = json.path("expires_in").asLong(60);
            tokens.put(scope == null ? "" : scope, token, expiresIn <= 0 ? 60 : expiresIn);
            LOG.debug("obtained token for {} valid {}s", scope, expiresIn);
        } catch (UpstreamException e) {
            if (e.kind() == UpstreamException.Kind.NOT_FOUND) {
                throw new UpstreamException(UpstreamException.Kind.INVALID_RESPONSE, 404, "token server answered 404", -1, e);
            }
            throw e;
        } catch (IOException e) {
            throw new UpstreamException(UpstreamException.Kind.INVALID_RESPONSE, 200, "token server sent an invalid answer", -1, e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
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
