package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.logdir.AccessLogFormat;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the gateway's access log holds besides the blobs it answers from the datastore: the
 * requests it refuses itself (no node ever sees them), each with its status and OCI error code,
 * none of them a use of a blob for the logger; and what it leaves out: the probes.
 */
class GatewayAccessLogTest {
    private static final TestCredentials USER = TestCredentials.of("puller", "pull-pass");
    private static final String MANIFEST = "/v2/quay.io/team/app/manifests/v1";
    private static final String BLOB = "/v2/quay.io/team/app/blobs/sha256:" + "ab".repeat(32);

    @TempDir
    Path dir;

    @Test
    void logsTheRequestsItRefusesWithTheirStatus() throws Exception {
        Path logs = dir.resolve("logs");
        try (GatewayServer gateway = new GatewayServer(LoopbackGateways.inFrontOf(
                        "quay.io", FreePort.pick(), dir.resolve("none.pem"), dir.resolve("data"), logs, htpasswd()))
                .start()) {
            // one request each: the credentials go in the header, not in answer to a challenge
            RegistryClient client = new RegistryClient("http://127.0.0.1:" + gateway.port());
            String wrong = TestCredentials.of("puller", "wrong").basicAuthorization();
            assertEquals(401, client.get(BLOB).status());
            assertEquals(401, client.get(MANIFEST, "Authorization", wrong).status());
            assertEquals(
                    404,
                    client.get("/v2/nowhere.example/team/app/manifests/v1", "Authorization", USER.basicAuthorization())
                            .status());
            assertEquals(
                    405,
                    client.send(
                                    "PUT",
                                    MANIFEST,
                                    HttpRequest.BodyPublishers.ofString("{}"),
                                    "Authorization",
                                    USER.basicAuthorization())
                            .status());
        }
        // closed: the access log is flushed
        List<JsonNode> lines = lines(new LogDirLayout(logs).gatewayAccessLog());
        assertEquals(
                List.of(
                        "GET " + BLOB + " 401 UNAUTHORIZED",
                        "GET " + MANIFEST + " 401 UNAUTHORIZED",
                        "GET /v2/nowhere.example/team/app/manifests/v1 404 NAME_UNKNOWN",
                        "PUT " + MANIFEST + " 405 UNSUPPORTED"),
                lines.stream()
                        .map(l ->
                                l.path("method").asText() + " " + l.path("path").asText() + " "
                                        + l.path("status").asInt() + " "
                                        + l.path("error").asText())
                        .toList());
        for (JsonNode line : lines) {
            byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
            AccessLogFormat.Access access = AccessLogFormat.parse(bytes, 0, bytes.length);
            assertFalse(access.isUse(), "a refused request does not make a blob recent: " + line);
        }
    }

    @Test
    void leavesTheHealthAndMetricsProbesOut() throws Exception {
        Path logs = dir.resolve("logs");
        try (GatewayServer gateway = new GatewayServer(LoopbackGateways.inFrontOf(
                        "quay.io", FreePort.pick(), dir.resolve("none.pem"), dir.resolve("data"), logs, Map.of()))
                .start()) {
            RegistryClient client = new RegistryClient("http://127.0.0.1:" + gateway.port());
            for (int i = 0; i < 3; i++) {
                assertEquals(503, client.get("/healthz").status(), "the node is down: degraded");
                assertEquals(200, client.get("/metrics").status());
            }
            assertEquals(
                    405,
                    client.send("DELETE", MANIFEST, HttpRequest.BodyPublishers.noBody())
                            .status());
        }
        assertEquals(
                List.of("DELETE " + MANIFEST),
                lines(new LogDirLayout(logs).gatewayAccessLog()).stream()
                        .map(l ->
                                l.path("method").asText() + " " + l.path("path").asText())
                        .toList());
    }

    private Map<String, String> htpasswd() throws IOException {
        Tools.require("htpasswd");
        Path file = dir.resolve("htpasswd");
        Tools.runOrThrow(
                Duration.ofSeconds(30), List.of("htpasswd", "-Bbc", file.toString(), USER.username(), USER.password()));
        return Map.of("REGISTRY_AUTH", "htpasswd", "REGISTRY_AUTH_HTPASSWD_PATH", file.toString());
    }

    static List<JsonNode> lines(Path log) throws IOException {
        if (!Files.exists(log)) {
            return List.of();
        }
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .map(l -> {
                    try {
                        return Json.MAPPER.readTree(l);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .toList();
    }
}
