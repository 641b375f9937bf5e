package dev.registrycache.node;

import dev.registrycache.common.oci.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * An upstream registry holding blobs in some repositories, whose blob GETs send the first half
 * of the bytes and then wait for {@link #release()}: a test knows the cache is mid-download, with
 * the digest not yet verifiable, for as long as it needs. The bytes served may differ from the
 * digest's (a corrupt upstream). Other repositories get {@code 404 BLOB_UNKNOWN}, as
 * distribution answers for a blob not linked to the repository asked: a HEAD at once, a GET
 * once released.
 */
public final class GatedBlobUpstream implements AutoCloseable {
    private static final long GATE_SECONDS = 120;

    /** The bytes sent for each blob: other bytes than the digest's make a corrupt upstream. */
    private final Map<Digest, byte[]> blobs;

    private final Set<String> repositories;
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicInteger gets = new AtomicInteger();
    private final AtomicInteger heads = new AtomicInteger();
    private final AtomicInteger refusedGets = new AtomicInteger();
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);

    /**
     * @param digest       the blob's digest, in the requests' paths
     * @param served       the bytes sent for it (other bytes than the digest's: a corrupt upstream)
     * @param repositories the repositories that hold it
     */
    public GatedBlobUpstream(Digest digest, byte[] served, Set<String> repositories) throws Exception {
        this(Map.of(digest, served.clone()), repositories);
    }

    /** An upstream holding several blobs, each in all {@code repositories}, behind one gate. */
    public GatedBlobUpstream(Map<Digest, byte[]> blobs, Set<String> repositories) throws Exception {
        this.blobs = Map.copyOf(blobs);
        this.repositories = Set.copyOf(repositories);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                answer(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    /** Lets every blob GET, waiting or still to come, send the rest of its bytes. */
    public void release() {
        gate.countDown();
    }

    public int blobGets() {
        return gets.get();
    }

    public int blobHeads() {
        return heads.get();
    }

    /** GETs of the blob from a repository that does not hold it (answered 404 once released). */
    public int refusedGets() {
        return refusedGets.get();
    }

    private void answer(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        if (path.equals("/v2/")) {
            response.setStatus(200);
            response.write(true, ByteBuffer.wrap("{}".getBytes(StandardCharsets.UTF_8)), callback);
            return;
        }
        int blobsAt = path.lastIndexOf("/blobs/");
        Digest digest = blobsAt < 0 ? null : Digest.parse(path.substring(blobsAt + "/blobs/".length()));
        byte[] served = blobs.get(digest);
        String repository = path.startsWith("/v2/") && served != null ? path.substring(4, blobsAt) : null;
        if (repository == null || !repositories.contains(repository)) {
            if ("GET".equals(request.getMethod()) && repository != null) {
                refusedGets.incrementAndGet();
                awaitRelease();
            }
            byte[] body = "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\"}]}"
                    .getBytes(StandardCharsets.UTF_8);
            response.setStatus(404);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, "HEAD".equals(request.getMethod()) ? null : ByteBuffer.wrap(body), callback);
            return;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, served.length);
        response.getHeaders().put("Docker-Content-Digest", digest.toString());
        if ("HEAD".equals(request.getMethod())) {
            heads.incrementAndGet();
            response.setStatus(200);
            callback.succeeded();
            return;
        }
        gets.incrementAndGet();
        int half = served.length / 2;
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(false, ByteBuffer.wrap(served, 0, half), written);
            written.block();
        }
        awaitRelease();
        response.write(true, ByteBuffer.wrap(served, half, served.length - half), callback);
    }

    private void awaitRelease() throws InterruptedException {
        if (!gate.await(GATE_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test never released the gate");
        }
    }

    @Override
    public void close() throws Exception {
        release();
        server.stop();
    }
}
