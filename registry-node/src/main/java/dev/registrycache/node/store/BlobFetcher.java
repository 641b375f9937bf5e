package dev.registrycache.node.store;

import dev.registrycache.common.Digest;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.RegistryException;
import dev.registrycache.common.RepositoryName;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.node.upstream.UpstreamException;
import dev.registrycache.node.upstream.UpstreamResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts at most one upstream download per missing blob; concurrent requests for the same blob
 * join the download in flight instead of starting their own. Downloads run on their own threads,
 * so a slow or departed client never slows the fill of the cache.
 */
public final class BlobFetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlobFetcher.class);
    private static final int BUFFER = 256 * 1024;

    private final Datastore store;
    private final UpstreamClient upstream;
    private final Map<Digest, BlobFetch> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService threads;

    public BlobFetcher(Datastore store, UpstreamClient upstream) {
        this.store = store;
        this.upstream = upstream;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "blob-fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The download in flight for {@code digest}, if any (a HEAD can answer from it). */
    public BlobFetch inFlight(Digest digest) {
        return inFlight.get(digest);
    }

    /**
     * Joins or starts the download of {@code digest}; returns null when the blob is (by now) in
     * the store, so the caller serves it from there.
     */
    public BlobFetch fetch(Digest digest, String upstreamRepository, RepositoryName storeName) {
        BlobFetch[] started = new BlobFetch[1];
        BlobFetch fetch;
        try {
            fetch = inFlight.computeIfAbsent(digest, d -> {
                if (store.blobSize(d) >= 0) {
                    return null;
                }
                try {
                    BlobFetch f = new BlobFetch(d, store.newUpload(storeName), store.blobPath(d));
                    started[0] = f;
                    return f;
                } catch (IOException e) {
                    throw new RegistryException(ErrorCode.UNKNOWN, "cannot write to the datastore", null, -1, e);
                }
            });
        } catch (RegistryException e) {
            throw e;
        }
        if (started[0] != null) {
            BlobFetch f = started[0];
            threads.execute(() -> download(f, upstreamRepository, storeName));
        }
        return fetch;
    }

    private void download(BlobFetch fetch, String repository, RepositoryName storeName) {
        Digest digest = fetch.digest();
        Path upload = fetch.upload();
        boolean published = false;
        try (FileChannel out = FileChannel.open(upload, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            try (UpstreamResponse response = UpstreamClient.expectSuccess(
                    upstream.send("GET", "/v2/" + repository + "/blobs/" + digest, repository, Map.of()))) {
                long length = response.contentLength();
                fetch.streaming(length);
                MessageDigest hasher = digest.newHasher();
                byte[] buffer = new byte[BUFFER];
                ByteBuffer wrapped = ByteBuffer.wrap(buffer);
                InputStream in = response.body();
                long total = 0;
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    hasher.update(buffer, 0, n);
                    wrapped.clear().limit(n);
                    while (wrapped.hasRemaining()) {
                        out.write(wrapped);
                    }
                    total += n;
                    fetch.advance(n);
                }
                if (length >= 0 && total != length) {
                    throw new IOException("upstream sent " + total + " bytes of " + length);
                }
                if (!digest.matches(hasher.digest())) {
                    LOG.warn("blob {} from upstream does not match its digest; not stored", digest);
                    throw new RegistryException(ErrorCode.DIGEST_INVALID,
                            "the upstream sent content that does not match digest " + digest, null);
                }
            }
            store.publishBlob(upload, digest);
            published = true;
            store.linkLayer(storeName, digest);
            fetch.complete();
        } catch (UpstreamException e) {
            fetch.fail(e.toRegistryException(ErrorCode.BLOB_UNKNOWN));
        } catch (RegistryException e) {
            fetch.fail(e);
        } catch (IOException | RuntimeException e) {
            LOG.warn("download of blob {} failed: {}", digest, e.toString());
            if (published) {
                fetch.complete();
            } else {
                fetch.fail(new RegistryException(ErrorCode.UNAVAILABLE, "the download from the upstream registry failed",
                        null, 10, e));
            }
        } finally {
            inFlight.remove(digest, fetch);
            if (!published) {
                store.discardUpload(upload);
            }
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
