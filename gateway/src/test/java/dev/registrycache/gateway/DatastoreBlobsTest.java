package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.http.RequestFacts;
import dev.registrycache.common.marks.Quarantine;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.store.InMemoryDatastore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's answer for stored blobs, over the in-memory datastore: a blob stored and linked to
 * the repository asked is answered (whole, ranged, HEAD, conditional) with the node's headers and
 * noted as a hit for the access log; anything else is left to the node, with nothing sent and no
 * facts left behind (the node logs it). 9 MiB, so the body spans more than one window.
 */
class DatastoreBlobsTest {
    private static final byte[] BLOB = randomBytes(9 * 1024 * 1024 + 17);
    private static final Digest DIGEST = Digest.sha256Of(BLOB);
    /** The status this test's stand-in for the node answers with. */
    private static final int TO_NODE = 299;

    private final InMemoryDatastore store = new InMemoryDatastore();
    private final AtomicReference<RequestFacts> lastFacts = new AtomicReference<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private Server server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        Routes routes = new Routes(Map.of("quay.io", URI.create("http://127.0.0.1:1")), Optional.empty());
        DatastoreBlobs blobs = new DatastoreBlobs(store, Map.of("quay.io", RegistryHost.fromKey("quay.io")));
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract(org.eclipse.jetty.util.thread.Invocable.InvocationType.BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Routes.Target target = routes.resolve(
                        request.getHttpURI().getPath(), request.getHttpURI().getQuery());
                boolean answered = blobs.answer(request, response, callback, target);
                lastFacts.set(RequestFacts.peek(request));
                if (!answered) {
                    response.setStatus(TO_NODE);
                    callback.succeeded();
                }
                return true;
            }
        });
        server.start();
        base = "http://127.0.0.1:" + connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    private void storeLinked(String repository) throws Exception {
        store.putBlob(RepositoryName.parse(repository), DIGEST, BLOB);
        store.linkLayer(RepositoryName.parse(repository), DIGEST);
    }

    private HttpResponse<byte[]> get(String repository, String... headers) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + "/v2/quay.io/" + repository + "/blobs/" + DIGEST));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aStoredLinkedBlobIsAnsweredWholeAsAHit() throws Exception {
        storeLinked("quay.io/team/app");
        HttpResponse<byte[]> r = get("team/app");
        assertEquals(200, r.statusCode());
        assertArrayEquals(BLOB, r.body());
        assertEquals(
                DIGEST.toString(),
                r.headers().firstValue("Docker-Content-Digest").orElseThrow());
        assertEquals("\"" + DIGEST + "\"", r.headers().firstValue("ETag").orElseThrow());
        assertEquals("HIT", lastFacts.get().outcome.name());
        assertEquals(DIGEST, lastFacts.get().digest);
    }

    @Test
    void aRangeAcrossWindowsIsAnsweredWithTheRightBytes() throws Exception {
        storeLinked("quay.io/team/app");
        int first = 8 * 1024 * 1024 - 5;
        int last = 8 * 1024 * 1024 + 1000;
        HttpResponse<byte[]> r = get("team/app", "Range", "bytes=" + first + "-" + last);
        assertEquals(206, r.statusCode());
        assertEquals(
                "bytes " + first + "-" + last + "/" + BLOB.length,
                r.headers().firstValue("Content-Range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(BLOB, first, last + 1), r.body());
        assertEquals(416, get("team/app", "Range", "bytes=" + BLOB.length + "-").statusCode());
    }

    @Test
    void headAndConditionalRequestsSendNoBody() throws Exception {
        storeLinked("quay.io/team/app");
        HttpResponse<byte[]> head = http.send(
                HttpRequest.newBuilder(URI.create(base + "/v2/quay.io/team/app/blobs/" + DIGEST))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals(
                String.valueOf(BLOB.length),
                head.headers().firstValue("Content-Length").orElseThrow());
        assertEquals(0, head.body().length);
        HttpResponse<byte[]> notModified = get("team/app", "If-None-Match", "\"" + DIGEST + "\"");
        assertEquals(304, notModified.statusCode());
        assertEquals(0, notModified.body().length);
    }

    @Test
    void aQuarantinedBlobStillStoredIsRefusedAsTheNodeRefusesIt() throws Exception {
        storeLinked("quay.io/team/app"); // a replica, or a race with the quarantine that deletes its bytes
        new Quarantines(store).add(new Quarantine(DIGEST, "bad layer", "admin", Instant.parse("2026-12-05T10:00:00Z")));
        HttpResponse<byte[]> r = get("team/app");
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(403, r.statusCode(), body);
        assertTrue(
                body.contains("\"DENIED\"")
                        && body.contains(DIGEST + " is quarantined by the cache's administrators: bad layer"),
                body);
        HttpResponse<byte[]> head = http.send(
                HttpRequest.newBuilder(URI.create(base + "/v2/quay.io/team/app/blobs/" + DIGEST))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(403, head.statusCode());
        assertEquals("DENIED", lastFacts.get().error, "answered here, in the gateway's access log");
    }

    @Test
    void aBlobStoredButNotLinkedToTheRepositoryIsLeftToTheNode() throws Exception {
        storeLinked("quay.io/team/app");
        assertEquals(TO_NODE, get("other/app").statusCode());
        assertNull(lastFacts.get());
    }

    @Test
    void aLinkWhoseBlobIsGoneIsLeftToTheNodeWithoutFacts() throws Exception {
        storeLinked("quay.io/team/app");
        store.deleteBlob(DIGEST);
        assertEquals(TO_NODE, get("team/app").statusCode());
        assertNull(lastFacts.get(), "the node answers and logs it, not the gateway");
    }

    @Test
    void manifestsAndUnparsablePathsAreLeftToTheNode() throws Exception {
        storeLinked("quay.io/team/app");
        assertEquals(
                TO_NODE,
                http.send(
                                HttpRequest.newBuilder(URI.create(base + "/v2/quay.io/team/app/manifests/latest"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofByteArray())
                        .statusCode());
        assertEquals(
                TO_NODE,
                http.send(
                                HttpRequest.newBuilder(URI.create(base + "/v2/quay.io/team/app/blobs/sha256:nothex"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofByteArray())
                        .statusCode());
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(11).nextBytes(b);
        return b;
    }
}
