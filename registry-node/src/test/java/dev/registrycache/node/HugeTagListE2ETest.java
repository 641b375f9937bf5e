package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestMediaTypes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A {@code tags/list} of 1.5 million tags, under the node's 16 MiB limit for it, through a node
 * with the supervisor's heap: it is answered, whole, and the node lives. Pushing that many tags
 * to docker-registry would take hours, so the upstream here is a stub that sends the list (and
 * one ordinary image's manifest, to show the node still serves pulls).
 */
@Tag("e2e")
class HugeTagListE2ETest {
    private static final int TAGS = 1_500_000;

    @Test
    void answersATagListOfMillionsOfTagsAndStaysUp() throws Exception {
        Image ordinary = OciImages.ociImage(71);
        byte[] tagList = tagList(TAGS);
        assertTrue(tagList.length < 16 * 1024 * 1024, "under the node's limit: " + tagList.length);
        HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/v2/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith("/tags/list")) {
                send(exchange, "application/json", tagList);
            } else if (path.contains("/manifests/")) {
                exchange.getResponseHeaders()
                        .add("Docker-Content-Digest", ordinary.manifest().digest());
                send(exchange, TestMediaTypes.OCI_MANIFEST, ordinary.manifest().bytes());
            } else {
                send(exchange, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            }
        });
        upstream.start();
        try (NodeProcess node =
                new NodeProcess("http://127.0.0.1:" + upstream.getAddress().getPort())) {
            RegistryClient.Response r = node.client().get("/v2/quay.io/team/app/tags/list");
            assertTrue(node.isAlive(), "the node died:\n" + node.output());
            assertEquals(200, r.status(), r.text());
            assertEquals(TAGS, countTags(r.body(), "quay.io/team/app"));
            RegistryClient.Response manifest = node.client().getManifest("quay.io/team/app", "v1");
            assertEquals(200, manifest.status(), manifest.text());
            assertEquals(ordinary.manifest().digest(), manifest.sha256());
            assertTrue(node.isAlive(), "the node died:\n" + node.output());
        } finally {
            upstream.stop(0);
        }
    }

    /** {@code {"name":"team/app","tags":["t0000000",...]}}, as distribution answers. */
    private static byte[] tagList(int count) {
        StringBuilder json = new StringBuilder(count * 11 + 64).append("{\"name\":\"team/app\",\"tags\":[");
        for (int i = 0; i < count; i++) {
            json.append(i == 0 ? "\"" : ",\"")
                    .append('t')
                    .append(String.format("%07d", i))
                    .append('"');
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The number of tags in a tag list, checking its name; streaming, as the list is large. */
    private static int countTags(byte[] body, String name) throws IOException {
        int tags = 0;
        try (JsonParser p = new JsonFactory().createParser(body)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("name")) {
                    assertEquals(name, p.getText());
                } else if (field.equals("tags") && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.VALUE_STRING) {
                        tags++;
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        return tags;
    }

    private static void send(HttpExchange exchange, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(200, head ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(body);
            }
        }
    }
}
