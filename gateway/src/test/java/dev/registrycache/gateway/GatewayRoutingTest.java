package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
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

/** The gateway in-process in front of small Jetty servers standing in for nodes. */
class GatewayRoutingTest {
    private static final String ELSEWHERE =
            "http://127.0.0.1:9/bucket/docker/registry/v2/blobs/sha256/ab/ab/data?X-Amz-Signature=00";

    @TempDir
    Path dir;

    private Server fakeNode;
    private GatewayServer gateway;
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private int deadPort;

    private static final long BIG = 200L << 20;
    private static final long STREAMED_BEFORE_WAITING = 16L << 20;
    private final java.util.concurrent.CountDownLatch clientHasFirstBytes = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicBoolean streamed = new java.util.concurrent.atomic.AtomicBoolean();

    @BeforeEach
    void start() throws Exception {
        fakeNode = new Server();
        ServerConnector c = new ServerConnector(fakeNode);
        c.setHost("127.0.0.1");
        fakeNode.addConnector(c);
        fakeNode.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String uri = request.getHttpURI().getPathQuery();
                seen.add(request.getMethod() + " " + uri + " connection="
                        + request.getHeaders().get(HttpHeader.CONNECTION) + " keepalive="
                        + request.getHeaders().get("Keep-Alive"));
                if (uri.contains("/elsewhere")) { // a blob's URL in an S3 bucket on this host (S3_REDIRECT)
                    response.setStatus(307);
                    response.getHeaders().put(HttpHeader.LOCATION, ELSEWHERE);
                    callback.succeeded();
                    return true;
                }
                if (uri.contains("/redirect")) {
                    response.setStatus(307);
                    response.getHeaders()
                            .put(
                                    HttpHeader.LOCATION,
                                    "http://127.0.0.1:" + c.getLocalPort() + "/v2/quay.io/x/blobs/y?z=1");
                    callback.succeeded();
                    return true;
                }
                if (uri.contains("/big")) {
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BIG);
                    response.getHeaders().put("Keep-Alive", "timeout=99");
                    byte[] chunk = new byte[1 << 20];
                    for (int i = 0; i < chunk.length; i++) {
                        chunk[i] = (byte) i;
                    }
                    for (long sent = 0; sent < BIG; sent += chunk.length) {
                        if (sent == STREAMED_BEFORE_WAITING) {
                            // the client must hold the first bytes before the node sends the rest:
                            // a gateway that buffered whole bodies would keep it waiting here
                            streamed.set(clientHasFirstBytes.await(60, java.util.concurrent.TimeUnit.SECONDS));
                        }
                        try (var b = org.eclipse.jetty.util.Blocker.callback()) {
                            response.write(false, ByteBuffer.wrap(chunk), b);
                            b.block();
                        }
                    }
                    response.write(true, null, callback);
                    return true;
                }
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.write(true, ByteBuffer.wrap("{\"ok\":true}".getBytes()), callback);
                return true;
            }
        });
        fakeNode.start();
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        GatewayConfig config = GatewayConfig.resolve(
                "127.0.0.1",
                "0",
                dir.resolve("no-certs.pem").toString(),
                null,
                null,
                List.of("quay.io=http://127.0.0.1:" + c.getLocalPort(), "docker.io=http://127.0.0.1:" + deadPort),
                Map.of());
        gateway = new GatewayServer(config).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        fakeNode.stop();
    }

    private HttpResponse<String> get(String pathQuery, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + pathQuery));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersTheBaseEndpointItself() throws Exception {
        HttpResponse<String> r = get("/v2/");
        assertEquals(200, r.statusCode());
        assertEquals(
                "registry/2.0",
                r.headers().firstValue("Docker-Distribution-API-Version").orElseThrow());
        assertTrue(seen.isEmpty());
    }

    @Test
    void routesPrefixAndMirrorFormsToTheNode() throws Exception {
        assertEquals(200, get("/v2/quay.io/podman/hello/manifests/latest").statusCode());
        assertEquals(200, get("/v2/podman/hello/tags/list?n=5&ns=quay.io").statusCode());
        assertEquals(
                "GET /v2/quay.io/podman/hello/manifests/latest",
                seen.get(0).substring(0, seen.get(0).indexOf(" connection")));
        assertEquals(
                "GET /v2/quay.io/podman/hello/tags/list?n=5",
                seen.get(1).substring(0, seen.get(1).indexOf(" connection")));
    }

    @Test
    void unknownRegistryIsNameUnknownAndWritesAreRefused() throws Exception {
        HttpResponse<String> r = get("/v2/ghcr.io/a/manifests/x");
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("NAME_UNKNOWN"), r.body());
        HttpResponse<String> put = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v2/quay.io/a/manifests/x"))
                        .PUT(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, put.statusCode());
        assertTrue(put.body().contains("UNSUPPORTED"));
        assertTrue(seen.isEmpty());
    }

    @Test
    void aNodeThatIsDownIs503WithRetryAfterNotAHang() throws Exception {
        // a hang would end in the client's own timeout (an exception), not in this answer
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + gateway.port() + "/v2/docker.io/library/alpine/manifests/3"))
                        .timeout(java.time.Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("\"UNAVAILABLE\""), r.body());
        assertTrue(r.headers().firstValue("Retry-After").isPresent());
    }

    @Test
    void healthSaysWhichNodesAreDownWithoutCredentials() throws Exception {
        HttpResponse<String> r = get("/healthz");
        assertEquals(503, r.statusCode());
        assertEquals("{\"nodes\":{\"docker.io\":\"down\",\"quay.io\":\"up\"},\"status\":\"degraded\"}", r.body());
        HttpResponse<String> m = get("/metrics");
        assertEquals(200, m.statusCode());
        assertTrue(m.body().contains("registry_cache_node_up{registry=\"docker.io\"} 0"), m.body());
    }

    @Test
    void rewritesNodeLocationsAndDropsHopByHopHeaders() throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v2/quay.io/x/redirect"))
                        .header("Keep-Alive", "timeout=5")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(307, r.statusCode());
        assertEquals(
                "/v2/quay.io/x/blobs/y?z=1", r.headers().firstValue("Location").orElseThrow());
        assertTrue(seen.get(0).endsWith("keepalive=null"), seen.get(0));
    }

    @Test
    void passesOnLocationsAtOtherServersOfTheSameHost() throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v2/quay.io/x/elsewhere"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(307, r.statusCode());
        assertEquals(ELSEWHERE, r.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void streamsLargeBodiesWithoutBufferingThem() throws Exception {
        HttpResponse<InputStream> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v2/quay.io/x/big"))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertFalse(r.headers().firstValue("Keep-Alive").isPresent(), "Keep-Alive is hop-by-hop");
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        MessageDigest want = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[1 << 20];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) i;
        }
        for (long n = 0; n < BIG; n += chunk.length) {
            want.update(chunk);
        }
        long total = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                got.update(buf, 0, n);
                total += n;
                if (total >= 1 << 20) {
                    clientHasFirstBytes.countDown();
                }
            }
        }
        assertEquals(BIG, total);
        assertArrayEquals(want.digest(), got.digest());
        assertTrue(streamed.get(), "the first bytes reached the client while the node still held the rest back");
    }
}
