package dev.registrycache.common.http;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.store.BlobUpload;
import dev.registrycache.common.store.Datastore;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The synthetic peer of a {@link WarmUp}: a plain HTTP server on a free loopback port that
 * answers every request for a blob with one blob of random bytes (a block repeated), with its
 * length and digest, as an upstream registry or a node would, and {@code GET /v2/} with 200.
 */
public final class SyntheticBlobServer implements AutoCloseable {
    private static final int BLOCK = 1 << 20;

    private final byte[] block = new byte[BLOCK];
    private final int blocks;
    private final Digest digest;
    private final Server server;
    private final ServerConnector connector;
    private final AtomicInteger blobGets = new AtomicInteger();

    /** A blob of {@code mebibytes} MiB. */
    public SyntheticBlobServer(int mebibytes) throws Exception {
        new SplittableRandom().nextBytes(block);
        blocks = mebibytes;
        MessageDigest sha256 = Digest.Algorithm.SHA256.newMessageDigest();
        for (int i = 0; i < blocks; i++) {
            sha256.update(block);
        }
        digest = Digest.fromHash(Digest.Algorithm.SHA256, sha256.digest());
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("warm-up-peer");
        threads.setDaemon(true);
        server = new Server(threads);
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                answer(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    /** The blob's digest. */
    public Digest digest() {
        return digest;
    }

    /** The blob's length in bytes. */
    public long length() {
        return (long) blocks * BLOCK;
    }

    /** Stores the blob in {@code store}, linked to {@code repository}, as a node would have. */
    public void storeIn(Datastore store, RepositoryName repository) throws IOException {
        try (BlobUpload upload = store.newUpload(repository)) {
            for (int i = 0; i < blocks; i++) {
                upload.write(ByteBuffer.wrap(block));
            }
            upload.commit(digest);
        }
        store.linkLayer(repository, digest);
    }

    /** How many GETs of the blob it has answered. */
    public int blobGets() {
        return blobGets.get();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    private void answer(Request request, Response response, Callback callback) {
        if (!request.getHttpURI().getPath().contains("/blobs/")) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap("{}".getBytes(StandardCharsets.US_ASCII)), callback);
            return;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        response.getHeaders().put("Docker-Content-Digest", digest.toString());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length());
        if ("HEAD".equals(request.getMethod())) {
            callback.succeeded();
            return;
        }
        blobGets.incrementAndGet();
        // written from a thread of its own: a blocking write would hold a selector thread
        server.getThreadPool().execute(() -> writeBlob(response, callback));
    }

    private void writeBlob(Response response, Callback callback) {
        try {
            for (int i = 0; i < blocks; i++) {
                try (Blocker.Callback written = Blocker.callback()) {
                    response.write(i == blocks - 1, ByteBuffer.wrap(block), written);
                    written.block();
                }
            }
            callback.succeeded();
        } catch (Exception e) {
            callback.failed(e);
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
