package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whatever a client sends, the node answers with a 4xx and an OCI error body, and nothing is
 * read or written outside the datastore. Requests go over a raw socket so that no client
 * library normalises the paths first.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestValidationE2ETest {
    private UpstreamRegistry upstream;
    private NodeFixture node;

    @BeforeAll
    void start() throws Exception {
        upstream = UpstreamRegistry.plain();
        node = new NodeFixture("quay.io", upstream.baseUrl(), null);
    }

    @AfterAll
    void stop() throws Exception {
        try (UpstreamRegistry u = upstream;
                NodeFixture n = node) {
            // closed
        }
    }

    /** Sends one raw HTTP/1.1 request and returns status line + body. */
    private String[] raw(String method, String target) throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + target
                            + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int bodyStart = text.indexOf("\r\n\r\n");
            String status = text.substring(0, text.indexOf("\r\n"));
            return new String[] {status, bodyStart < 0 ? "" : text.substring(bodyStart + 4), text};
        }
    }

    @ParameterizedTest
    @CsvSource({
        "GET, /v2/quay.io/../../etc/passwd/manifests/latest, 400",
        "GET, /v2/quay.io/%2e%2e/%2e%2e/etc/manifests/latest, 400",
        "GET, /v2/quay.io/a/%2e%2e/%2e%2e/%2e%2e/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000, 400",
        "GET, /v2/quay.io/a/manifests/..%2f..%2fetc, 400",
        "GET, /v2/quay.io/a/blobs/sha256:..%2f..%2f..%2fetc%2fpasswd, 400",
        "GET, /v2/quay.io/a/blobs/sha256:zzzz, 400",
        "GET, /v2/quay.io/a/blobs/md5:d41d8cd98f00b204e9800998ecf8427e, 400",
        "GET, /v2/quay.io/a/manifests/sha256:1234, 400",
        "GET, /v2/quay.io/A/manifests/latest, 400",
        "GET, /v2/quay.io/a/manifests/-bad-tag, 400",
        "GET, /v2/docker.io/a/manifests/latest, 404",
        "GET, /v2/quay.io/manifests/latest, 404",
        "GET, /v3/whatever, 404",
        "GET, /v2/_catalog, 404",
        "PUT, /v2/quay.io/a/manifests/latest, 405",
        "POST, /v2/quay.io/a/blobs/uploads/, 405",
        "DELETE, /v2/quay.io/a/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000, 405",
        "PATCH, /v2/quay.io/a/blobs/uploads/x, 405",
    })
    void refusesWithAnOciError(String method, String target, int status) throws Exception {
        String[] r = raw(method, target);
        assertTrue(r[0].contains(" " + status + " "), target + " -> " + r[0]);
        JsonNode body = Json.MAPPER.readTree(r[1]);
        assertTrue(body.path("errors").get(0).path("code").isTextual(), r[2]);
    }

    @Test
    void refusesOverLongNamesAndPaths() throws Exception {
        String[] longName = raw("GET", "/v2/quay.io/" + "a".repeat(300) + "/manifests/latest");
        assertTrue(longName[0].contains(" 400 "), longName[0]);
        assertEquals(
                "NAME_INVALID",
                Json.MAPPER
                        .readTree(longName[1])
                        .path("errors")
                        .get(0)
                        .path("code")
                        .asText());
        String[] longPath = raw("GET", "/v2/quay.io/" + "a/".repeat(3000) + "manifests/latest");
        assertTrue(longPath[0].matches("HTTP/1.1 4\\d\\d .*"), longPath[0]);
    }

    @Test
    void nothingIsWrittenOutsideTheDatastore() throws Exception {
        refusesWithAnOciError("GET", "/v2/quay.io/a/../../../../tmp/x/manifests/latest", 400);
        try (Stream<Path> files = Files.walk(node.folder)) {
            assertTrue(files.allMatch(
                    p -> p.startsWith(node.dataDir) || p.startsWith(node.logDir) || p.equals(node.folder)));
        }
    }

    @Test
    void answersTheBaseEndpoint() throws Exception {
        String[] r = raw("GET", "/v2/");
        assertTrue(r[0].contains(" 200 "), r[0]);
        assertTrue(r[2].contains("Docker-Distribution-API-Version: registry/2.0"), r[2]);
    }
}
