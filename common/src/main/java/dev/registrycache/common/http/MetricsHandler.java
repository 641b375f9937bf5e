package dev.registrycache.common.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Answers {@code GET /metrics} (Prometheus text) and {@code GET /healthz} ahead of the
 * registry API; everything else goes to the wrapped handler.
 */
public final class MetricsHandler extends Handler.Wrapper {
    /** Prometheus text. */
    public static final String METRICS = "/metrics";

    /** The health probe's path: answered without credentials. */
    public static final String HEALTH = "/healthz";

    /** Whether {@code path} is one of the probes' (health, metrics), which the access logs leave out. */
    public static boolean isProbe(String path) {
        return HEALTH.equals(path) || METRICS.equals(path);
    }

    /** A health answer: whether the process can serve, and a JSON body saying why. */
    public record Health(boolean ok, String json) {}

    private final Supplier<String> metrics;
    private final Supplier<Health> health;

    public MetricsHandler(Supplier<String> metrics, Supplier<Health> health, Handler next) {
        super(next);
        this.metrics = metrics;
        this.health = health;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        if (METRICS.equals(path)) {
            send(request, response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
            return true;
        }
        if (HEALTH.equals(path)) {
            Health h = health.get();
            send(request, response, callback, h.ok() ? 200 : 503, "application/json", h.json());
            return true;
        }
        return super.handle(request, response, callback);
    }

    private static void send(
            Request request, Response response, Callback callback, int status, String type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, "HEAD".equals(request.getMethod()) ? null : ByteBuffer.wrap(bytes), callback);
    }
}
