package dev.registrycache.warm;

import dev.registrycache.client.CacheFailure;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ManifestSummary;
import dev.registrycache.common.oci.Platform;
import dev.registrycache.common.oci.Reference;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Warms one image through the cache: its manifest by tag or digest (which the cache then holds),
 * for an index the manifest of the platform asked for, then every blob of that manifest (config
 * and layers), several at once: a blob the cache holds is left alone, one it does not is fetched
 * through it, so that a second run moves no blob at all.
 */
final class ImageWarmer {
    private final CacheClient cache;
    private final Platform platform;
    private final ExecutorService transfers;
    private final Progress progress;

    ImageWarmer(CacheClient cache, Platform platform, ExecutorService transfers, Progress progress) {
        this.cache = cache;
        this.platform = platform;
        this.transfers = transfers;
        this.progress = progress;
    }

    ImageResult warm(ImageName image) {
        try {
            CacheClient.Manifest top = cache.manifest(image, image.reference());
            CacheClient.Manifest manifest = top.isIndex() ? platformManifest(image, top) : top;
            List<Digest> blobs =
                    new ArrayList<>(new LinkedHashSet<>(manifest.summary().blobs()));
            int held = 0;
            long fetched = 0;
            for (long bytes : transfer(image, blobs)) {
                if (bytes < 0) {
                    held++;
                } else {
                    fetched += bytes;
                }
            }
            return ImageResult.warmed(image, top.digest(), blobs.size(), held, fetched);
        } catch (CacheFailure e) {
            return ImageResult.failed(image, e.getMessage());
        }
    }

    /** The manifest for {@link #platform} that {@code index} lists. */
    private CacheClient.Manifest platformManifest(ImageName image, CacheClient.Manifest index) throws CacheFailure {
        ManifestSummary summary = index.summary();
        Digest digest = summary.manifestFor(platform);
        if (digest == null) {
            String offered = summary.entries().stream()
                    .filter(e -> e.platform() != null)
                    .map(e -> e.platform().toString())
                    .distinct()
                    .collect(Collectors.joining(", "));
            throw new CacheFailure("the index has no " + platform + " image"
                    + (offered.isEmpty() ? "" : " (it has " + offered + "); choose one with --platform"));
        }
        CacheClient.Manifest manifest = cache.manifest(image, Reference.of(digest));
        if (manifest.isIndex()) {
            throw new CacheFailure("the index's " + platform + " entry is another index, which warm does not follow");
        }
        return manifest;
    }

    /** Each blob held (-1) or fetched (its bytes), up to the pool's size at once; the first failure if any failed. */
    private List<Long> transfer(ImageName image, List<Digest> blobs) throws CacheFailure {
        List<Future<Long>> pending = new ArrayList<>();
        for (Digest blob : blobs) {
            pending.add(transfers.submit(() -> warmBlob(image, blob)));
        }
        List<Long> outcomes = new ArrayList<>();
        CacheFailure first = null;
        for (Future<Long> transfer : pending) {
            try {
                outcomes.add(transfer.get());
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof CacheFailure f ? f : unexpected(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CacheFailure("interrupted");
            }
        }
        if (first != null) {
            throw first;
        }
        return outcomes;
    }

    private static CacheFailure unexpected(Throwable bug) {
        return new CacheFailure(
                "an unexpected error (" + (bug.getMessage() == null ? "no detail given" : bug.getMessage()) + ")");
    }

    private long warmBlob(ImageName image, Digest blob) throws CacheFailure {
        try {
            return cache.holds(image, blob) ? -1 : cache.fetch(image, blob, progress::fetched);
        } catch (CacheFailure e) {
            throw e.about("blob " + blob);
        }
    }
}
