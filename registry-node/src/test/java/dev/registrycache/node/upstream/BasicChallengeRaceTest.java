package dev.registrycache.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * The race of concurrent first requests to a Basic upstream, made certain: the upstream holds
 * back its challenges until every request of the burst was sent without credentials, so all of
 * them are challenged after the node learnt that the upstream wants Basic.
 */
class BasicChallengeRaceTest {
    private static final int BURST = 8;
    private static final Credentials ROBOT = new Credentials("robot", "pw");

    @Test
    void everyRequestChallengedWithoutCredentialsIsRetriedWithThem(@TempDir Path dir) throws Exception {
        Map<String, byte[]> blobs = new HashMap<>();
        for (int i = 0; i < BURST; i++) {
            byte[] bytes = ("blob number " + i).getBytes(StandardCharsets.UTF_8);
            blobs.put(Digest.sha256Of(bytes).toString(), bytes);
        }
        CountDownLatch unauthenticated = new CountDownLatch(BURST);
        Server origin = new Server();
        ServerConnector connector = new ServerConnector(origin);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        origin.addConnector(connector);
        origin.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                if (!ROBOT.basicHeaderValue().equals(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
                    unauthenticated.countDown();
                    unauthenticated.await(30, TimeUnit.SECONDS); // the whole burst waits for its challenge
                    response.setStatus(401);
                    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"origin\"");
                    callback.succeeded();
                    return true;
                }
                String path = request.getHttpURI().getPath();
                byte[] blob = blobs.get(path.substring(path.lastIndexOf('/') + 1));
                if (blob == null) {
                    response.setStatus(404);
                    callback.succeeded();
                    return true;
                }
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, blob.length);
                response.write(true, ByteBuffer.wrap(blob), callback);
                return true;
            }
        });
        origin.start();
        NodeConfig config = LoopbackNodes.config(
                "quay.io",
                "http://127.0.0.1:" + connector.getLocalPort(),
                Optional.of(ROBOT),
                dir.resolve("data"),
                dir.resolve("logs"),
                0);
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (RegistryNode node = new RegistryNode(config).start()) {
            List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
            for (String digest : blobs.keySet()) {
                answers.add(client.sendAsync(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + node.port() + "/v2/quay.io/team/app/blobs/" + digest))
                                .timeout(Duration.ofSeconds(120))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
            List<String> failures = new ArrayList<>();
            for (CompletableFuture<HttpResponse<byte[]>> answer : answers) {
                HttpResponse<byte[]> r = answer.get(120, TimeUnit.SECONDS);
                if (r.statusCode() != 200) {
                    failures.add(r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
                }
            }
            assertEquals(List.of(), failures, failures.size() + " of " + BURST + " requests failed");
        } finally {
            origin.stop();
        }
    }
}
