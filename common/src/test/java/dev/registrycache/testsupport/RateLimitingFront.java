package dev.registrycache.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP front on 127.0.0.1 before a real upstream registry, as Docker Hub's rate limiting
 * looks to a client: it forwards requests and adds Docker Hub's {@code ratelimit-limit} and
 * {@code ratelimit-remaining} headers to the answers, or, once switched, answers every request
 * with {@code 429 Too Many Requests} and a {@code Retry-After}. Counts the requests it received.
 */
public final class RateLimitingFront implements AutoCloseable {
    private static final Set<String> NOT_FORWARDED =
            Set.of("connection", "content-length", "expect", "host", "upgrade", "transfer-encoding");

    private final HttpServer server;
    private final HttpClient client =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final URI target;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile long limit = 100;
    private volatile long remaining = 100;
    private volatile long retryAfterSeconds = -1;

    private RateLimitingFront(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rate-limiting-front");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** A front forwarding to {@code baseUrl} (e.g. {@code http://127.0.0.1:5000}). */
    public static RateLimitingFront before(String baseUrl) throws IOException {
        return new RateLimitingFront(URI.create(baseUrl));
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The allowance the headers tell from now on. */
    public void allowance(long limit, long remaining) {
        this.limit = limit;
        this.remaining = remaining;
    }

    /** Answers every request with 429 and {@code Retry-After: seconds}; -1 forwards again. */
    public void refuseFor(long seconds) {
        this.retryAfterSeconds = seconds;
    }

    /** Requests received so far. */
    public int requests() {
        return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            exchange.getResponseHeaders().add("ratelimit-limit", limit + ";w=21600");
            long seconds = retryAfterSeconds;
            if (seconds >= 0) {
                exchange.getResponseHeaders().add("ratelimit-remaining", "0;w=21600");
                exchange.getResponseHeaders().add("Retry-After", Long.toString(seconds));
                byte[] body = "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"rate limited\"}]}".getBytes();
                exchange.sendResponseHeaders(429, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            exchange.getResponseHeaders().add("ratelimit-remaining", remaining + ";w=21600");
            forward(exchange);
        }
    }

    private void forward(HttpExchange exchange) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI()))
                .timeout(Duration.ofSeconds(60))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                values.forEach(v -> request.header(name, v));
            }
        });
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        for (Map.Entry<String, List<String>> h : response.headers().map().entrySet()) {
            if (!NOT_FORWARDED.contains(h.getKey().toLowerCase()) && !h.getKey().startsWith(":")) {
                h.getValue().forEach(v -> exchange.getResponseHeaders().add(h.getKey(), v));
            }
        }
        boolean head = exchange.getRequestMethod().equals("HEAD");
        long length = response.headers().firstValueAsLong("Content-Length").orElse(0);
        if (head) {
            exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
        }
        exchange.sendResponseHeaders(response.statusCode(), head || length == 0 ? -1 : length);
        try (InputStream in = response.body();
                OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                in.transferTo(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
