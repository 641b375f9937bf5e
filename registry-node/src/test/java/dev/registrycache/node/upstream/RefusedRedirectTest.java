package dev.registrycache.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.Credentials;
import dev.registrycache.node.NodeConfig;
import dev.registrycache.node.RegistryNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream's redirect decides where the cache connects next. Targets that are not http(s),
 * or that are loopback or link-local addresses other than the upstream's own host, are refused
 * with a clean OCI error that names them, and never contacted; the upstream's own host is
 * followed, and so is loopback when private targets are allowed.
 */
class RefusedRedirectTest {
    private static final byte[] BLOB = "layer bytes served after a redirect".getBytes(StandardCharsets.UTF_8);
    private static final Digest DIGEST = Digest.sha256Of(BLOB);

    /** Where the origin redirects each request, by path; a request to a path not listed is a 404. */
    private final Map<String, String> redirects = new ConcurrentHashMap<>();

    private final List<String> elsewhereRequests = new CopyOnWriteArrayList<>();
    private Server origin;
    private Server sameHost;
    private Server elsewhere;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    @BeforeEach
    void startServers() throws Exception {
        origin = server("127.0.0.1", new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String location = redirects.get(request.getHttpURI().getPath());
                response.setStatus(location == null ? 404 : 307);
                if (location != null) {
                    response.getHeaders().put(HttpHeader.LOCATION, location);
                }
                callback.succeeded();
                return true;
            }
        });
        sameHost = server("127.0.0.1", blobServer(new CopyOnWriteArrayList<>()));
        // 127.0.0.2 is loopback too, but not the upstream's host: a service the upstream should not reach through us
        elsewhere = server("127.0.0.2", blobServer(elsewhereRequests));
    }

    @AfterEach
    void stopServers() throws Exception {
        for (Server s : new Server[] {origin, sameHost, elsewhere}) {
            if (s != null) {
                s.stop();
            }
        }
    }

    @Test
    void refusesARedirectToAFileUrl(@TempDir Path dir) throws Exception {
        redirectBlobTo("file:///etc/passwd");
        redirects.put("/v2/team/app/manifests/v1", "file:///etc/passwd");
        try (RegistryNode node = node(dir, false)) {
            assertRefused(get(node, "GET", "/v2/quay.io/team/app/blobs/" + DIGEST), "file:");
            assertRefused(get(node, "GET", "/v2/quay.io/team/app/manifests/v1"), "file:");
            HttpResponse<String> head = get(node, "HEAD", "/v2/quay.io/team/app/blobs/" + DIGEST);
            assertEquals(503, head.statusCode(), head.toString());
        }
    }

    @Test
    void refusesARedirectToLoopbackElsewhere(@TempDir Path dir) throws Exception {
        String target = "http://127.0.0.2:" + port(elsewhere);
        redirectBlobTo(target + "/cdn/" + DIGEST.hex());
        try (RegistryNode node = node(dir, false)) {
            assertRefused(get(node, "GET", "/v2/quay.io/team/app/blobs/" + DIGEST), target);
            assertEquals(
                    503,
                    get(node, "HEAD", "/v2/quay.io/team/app/blobs/" + DIGEST).statusCode());
        }
        assertEquals(List.of(), elsewhereRequests);
    }

    @Test
    void refusesARedirectToTheLinkLocalMetadataAddress(@TempDir Path dir) throws Exception {
        redirectBlobTo("http://169.254.169.254/latest/meta-data/");
        try (RegistryNode node = node(dir, false)) {
            assertRefused(get(node, "GET", "/v2/quay.io/team/app/blobs/" + DIGEST), "http://169.254.169.254");
        }
    }

    @Test
    void followsARedirectToTheUpstreamsOwnHost(@TempDir Path dir) throws Exception {
        redirectBlobTo("http://127.0.0.1:" + port(sameHost) + "/cdn/" + DIGEST.hex() + "?sig=abc");
        try (RegistryNode node = node(dir, false)) {
            assertServed(get(node, "GET", "/v2/quay.io/team/app/blobs/" + DIGEST));
        }
    }

    @Test
    void followsARedirectToLoopbackWhenPrivateTargetsAreAllowed(@TempDir Path dir) throws Exception {
        redirectBlobTo("http://127.0.0.2:" + port(elsewhere) + "/cdn/" + DIGEST.hex());
        try (RegistryNode node = node(dir, true)) {
            assertServed(get(node, "GET", "/v2/quay.io/team/app/blobs/" + DIGEST));
        }
        assertEquals(1, elsewhereRequests.size(), elsewhereRequests.toString());
    }

    private void redirectBlobTo(String location) {
        redirects.put("/v2/team/app/blobs/" + DIGEST, location);
    }

    private RegistryNode node(Path dir, boolean allowPrivateRedirects) throws Exception {
        NodeConfig config = new NodeConfig(
                RegistryHost.fromKey("quay.io"),
                URI.create("http://127.0.0.1:" + port(origin)),
                Optional.of(new Credentials("robot", "pw")),
                Optional.empty(),
                dir.resolve("data"),
                dir.resolve("logs"),
                "127.0.0.1",
                0,
                allowPrivateRedirects);
        return new RegistryNode(config).start();
    }

    private HttpResponse<String> get(RegistryNode node, String method, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> r, String target) throws Exception {
        assertEquals(503, r.statusCode(), r.body());
        JsonNode error = Json.MAPPER.readTree(r.body()).path("errors").path(0);
        assertEquals("UNAVAILABLE", error.path("code").asText(), r.body());
        assertTrue(error.path("message").asText().contains(target), r.body());
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), r.body());
    }

    private static void assertServed(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(DIGEST, Digest.sha256Of(r.body().getBytes(StandardCharsets.UTF_8)));
    }

    private static Handler blobServer(List<String> requests) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                requests.add(request.getHttpURI().getPathQuery());
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BLOB.length);
                response.write(true, ByteBuffer.wrap(BLOB), callback);
                return true;
            }
        };
    }

    private static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    private static Server server(String host, Handler handler) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        return server;
    }
}
