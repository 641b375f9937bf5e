package dev.registrycache.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's {@code prometheus}, run by a test on a free port of 127.0.0.1 with its own
 * configuration and storage in a folder of the test: it scrapes one cache's gateway over TLS with
 * htpasswd every second, as an operator's Prometheus would, evaluates the rules file given, and
 * answers queries through its HTTP API. The configuration passes {@code promtool check config}
 * before it starts.
 */
final class PrivatePrometheus implements AutoCloseable {
    /** The scrape job, as the rules file expects it to be named. */
    static final String JOB = "registry-cache";

    private final Process process;
    private final Path output;
    private final int port;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();

    private PrivatePrometheus(Process process, Path output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /**
     * Starts a Prometheus in {@code dir} scraping {@code https://<target>/metrics} with {@code
     * user}'s credentials, trusting {@code caPem} for the certificate of {@code serverName}, and
     * evaluating {@code rules}; returns once it is ready.
     */
    static PrivatePrometheus scraping(
            Path dir, String target, TestCredentials user, Path caPem, String serverName, Path rules)
            throws IOException {
        Tools.require("prometheus");
        Tools.require("promtool");
        Path password = Files.writeString(dir.resolve("scrape-password"), user.password());
        Path config = Files.writeString(
                dir.resolve("prometheus.yml"),
                String.join(
                        "\n",
                        "global:",
                        "  scrape_interval: 1s",
                        "  scrape_timeout: 1s",
                        "  evaluation_interval: 1s",
                        "rule_files:",
                        "  - " + rules,
                        "scrape_configs:",
                        "  - job_name: " + JOB,
                        "    scheme: https",
                        "    metrics_path: /metrics",
                        "    basic_auth:",
                        "      username: " + user.username(),
                        "      password_file: " + password,
                        "    tls_config:",
                        "      ca_file: " + caPem,
                        "      server_name: " + serverName,
                        "    static_configs:",
                        "      - targets: ['" + target + "']",
                        ""));
        Tools.runOrThrow(Duration.ofSeconds(60), List.of("promtool", "check", "config", config.toString()));
        int port = FreePort.pick();
        Path output = dir.resolve("prometheus.log");
        Process process = Tools.start(Tools.processBuilder(List.of(
                        "prometheus",
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("tsdb")),
                        "--web.listen-address=127.0.0.1:" + port))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile()));
        PrivatePrometheus prometheus = new PrivatePrometheus(process, output, port);
        try {
            Await.until("Prometheus ready", Duration.ofSeconds(90), prometheus::ready, prometheus::printed);
        } catch (RuntimeException | Error e) {
            prometheus.close();
            throw e;
        }
        return prometheus;
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new AssertionError("prometheus exited " + process.exitValue() + ":\n" + printed());
        }
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        }
    }

    /** What Prometheus logged so far. */
    String printed() {
        return Tools.printed(output);
    }

    /**
     * The result of an instant query, {@code data.result} of {@code /api/v1/query}: a list of
     * series, empty when nothing matches. A query Prometheus refuses fails the test at once.
     */
    JsonNode query(String promql) throws IOException {
        HttpResponse<String> answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = json.readTree(answer.body());
        if (answer.statusCode() != 200 || !body.path("status").asText().equals("success")) {
            throw new AssertionError("Prometheus refused " + promql + ": " + answer.body());
        }
        return body.path("data").path("result");
    }

    /** {@code data.groups} of {@code /api/v1/rules}: the rule groups with each rule's health. */
    JsonNode ruleGroups() throws IOException {
        return json.readTree(get("/api/v1/rules").body()).path("data").path("groups");
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        Tools.stop(process, Duration.ofSeconds(20));
    }
}
