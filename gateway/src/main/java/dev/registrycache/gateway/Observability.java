package dev.registrycache.gateway;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.http.MetricsHandler;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.settings.NodeToken;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The whole cache seen from its one port: {@code /metrics} puts together the gateway's own
 * counters, each node's {@code /metrics}, and the {@code *.prom} files the cleaner and the
 * supervisor write to the log dir; {@code /healthz} says whether every node answers.
 */
final class Observability {
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(1);

    private final Metrics own;
    private final Map<String, URI> nodes;
    private final Path logDir;
    private final Optional<NodeToken> nodeToken;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(NODE_TIMEOUT).build();

    Observability(Metrics own, Map<String, URI> nodes, Path logDir, Optional<NodeToken> nodeToken) {
        this.own = own;
        this.nodes = nodes;
        this.logDir = logDir;
        this.nodeToken = nodeToken;
    }

    String metrics() {
        List<String> texts = new ArrayList<>();
        texts.add(own.render());
        Map<String, CompletableFuture<HttpResponse<String>>> answers = ask(MetricsHandler.METRICS);
        StringBuilder up =
                new StringBuilder("# HELP registry_cache_node_up Whether the node answered the gateway's scrape\n"
                        + "# TYPE registry_cache_node_up gauge\n");
        answers.forEach((registry, answer) -> {
            HttpResponse<String> r = answer.exceptionally(e -> null).join();
            boolean ok = r != null && r.statusCode() == 200;
            if (ok) {
                texts.add(r.body());
            }
            up.append("registry_cache_node_up{registry=\"")
                    .append(registry)
                    .append("\"} ")
                    .append(ok ? 1 : 0)
                    .append('\n');
        });
        texts.add(up.toString());
        try (DirectoryStream<Path> files = Files.newDirectoryStream(logDir, LogDirLayout.METRICS_GLOB)) {
            for (Path f : files) {
                texts.add(Files.readString(f));
            }
        } catch (IOException ignored) {
            // no log dir yet: nothing written by the cleaner or the supervisor
        }
        return Metrics.merge(texts);
    }

    MetricsHandler.Health health() {
        Map<String, CompletableFuture<HttpResponse<String>>> answers = ask(MetricsHandler.HEALTH);
        StringBuilder json = new StringBuilder("{\"nodes\":{");
        boolean[] all = {true};
        answers.forEach((registry, answer) -> {
            HttpResponse<String> r = answer.exceptionally(e -> null).join();
            boolean ok = r != null && r.statusCode() == 200;
            all[0] &= ok;
            json.append(json.charAt(json.length() - 1) == '{' ? "" : ",")
                    .append('"')
                    .append(registry)
                    .append("\":\"")
                    .append(ok ? "up" : "down")
                    .append('"');
        });
        json.append("},\"status\":\"").append(all[0] ? "ok" : "degraded").append("\"}");
        return new MetricsHandler.Health(all[0], json.toString());
    }

    private Map<String, CompletableFuture<HttpResponse<String>>> ask(String path) {
        Map<String, CompletableFuture<HttpResponse<String>>> answers = new java.util.TreeMap<>();
        nodes.forEach((registry, uri) -> answers.put(
                registry,
                http.sendAsync(
                        withToken(HttpRequest.newBuilder(uri.resolve(path)).timeout(NODE_TIMEOUT))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())));
        return answers;
    }

    private HttpRequest.Builder withToken(HttpRequest.Builder request) {
        nodeToken.ifPresent(token -> request.header(NodeToken.HEADER, token.value()));
        return request;
    }
}
