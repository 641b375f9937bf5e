package dev.registrycache.warm;

import dev.registrycache.client.CacheFailure;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One run of {@code warm}: asks the cache whether it may be used at all, then warms the images one
 * after the other, each one's blobs {@link #PARALLEL_BLOBS} at a time, showing {@link Progress},
 * and ends with the {@link Summary}. One image after another keeps the order of the list in the
 * output, and lets a later image find the blobs it shares with an earlier one held already.
 */
final class CacheWarmer {
    /** Blobs transferred at once: enough to fill a link, few enough to leave the cache to its clients. */
    static final int PARALLEL_BLOBS = 4;

    /** Exit status when every image was warmed. */
    static final int WARMED = 0;
    /** Exit status when an image was not: each is named, with its reason. */
    static final int NOT_ALL_WARMED = 1;

    private CacheWarmer() {}

    static int run(WarmSettings settings, PrintWriter out, boolean terminal) throws Exception {
        long started = System.nanoTime();
        List<ImageResult> results = new ArrayList<>();
        ExecutorService transfers = Executors.newFixedThreadPool(PARALLEL_BLOBS, r -> {
            Thread t = new Thread(r, "warm-transfer");
            t.setDaemon(true);
            return t;
        });
        try (CacheClient cache = new CacheClient(settings.cache());
                Progress progress = Progress.to(out, terminal, settings.images().size())) {
            cache.start();
            CacheFailure refused = access(cache);
            ImageWarmer warmer = new ImageWarmer(cache, settings.platform(), transfers, progress);
            for (ImageName image : settings.images()) {
                ImageResult result =
                        refused == null ? warmer.warm(image) : ImageResult.failed(image, refused.getMessage());
                results.add(result);
                progress.done(result);
            }
        } finally {
            transfers.shutdownNow();
        }
        Summary.lines(results, Duration.ofNanos(System.nanoTime() - started)).forEach(out::println);
        out.flush();
        return results.stream().allMatch(ImageResult::ok) ? WARMED : NOT_ALL_WARMED;
    }

    /** Why the cache cannot be used at all (unreachable, credentials refused), or null. */
    private static CacheFailure access(CacheClient cache) {
        try {
            cache.checkAccess();
            return null;
        } catch (CacheFailure e) {
            return e;
        }
    }
}
