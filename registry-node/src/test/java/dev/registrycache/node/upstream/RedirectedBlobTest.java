package dev.registrycache.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.Credentials;
import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.NodeConfig;
import dev.registrycache.node.RegistryNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker Hub and quay.io answer blob GETs with a 307 to a CDN. The node follows it, and the
 * upstream's credentials never reach the CDN's host.
 */
class RedirectedBlobTest {
    private static final byte[] BLOB = "layer bytes served by the CDN".getBytes(StandardCharsets.UTF_8);
    private static final Digest DIGEST = Digest.sha256Of(BLOB);
    private final List<String> originAuth = new CopyOnWriteArrayList<>();
    private final List<String> cdnAuth = new CopyOnWriteArrayList<>();

    @Test
    void followsTheRedirectWithoutSendingCredentialsToTheCdn(@TempDir Path dir) throws Exception {
        Server cdn = server(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                cdnAuth.add(String.valueOf(request.getHeaders().get(HttpHeader.AUTHORIZATION)));
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BLOB.length);
                response.write(true, ByteBuffer.wrap(BLOB), callback);
                return true;
            }
        });
        int cdnPort = ((ServerConnector) cdn.getConnectors()[0]).getLocalPort();
        Server origin = server(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
                originAuth.add(String.valueOf(auth));
                if (auth == null) {
                    response.setStatus(401);
                    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"origin\"");
                    callback.succeeded();
                    return true;
                }
                response.setStatus(307);
                response.getHeaders()
                        .put(HttpHeader.LOCATION, "http://127.0.0.1:" + cdnPort + "/cdn/" + DIGEST.hex() + "?sig=abc");
                callback.succeeded();
                return true;
            }
        });
        int originPort = ((ServerConnector) origin.getConnectors()[0]).getLocalPort();
        NodeConfig config = LoopbackNodes.config(
                "quay.io",
                "http://127.0.0.1:" + originPort,
                Optional.of(new Credentials("robot", "pw")),
                dir.resolve("data"),
                dir.resolve("logs"),
                0);
        try (RegistryNode node = new RegistryNode(config).start()) {
            HttpResponse<byte[]> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + node.port() + "/v2/quay.io/team/app/blobs/" + DIGEST))
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals(DIGEST, Digest.sha256Of(r.body()));
        } finally {
            cdn.stop();
            origin.stop();
        }
        assertTrue(originAuth.contains(new Credentials("robot", "pw").basicHeaderValue()), originAuth.toString());
        assertEquals(List.of("null"), cdnAuth);
    }

    private static Server server(Handler handler) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        return server;
    }
}
