package dev.registrycache.warm;

import dev.registrycache.common.settings.ByteSize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The words of a run's counts: an image's blobs, the rate, and the lines that end a run. */
final class Summary {
    private Summary() {}

    /** {@code 3 blobs: 1 fetched, 12.3 MiB, 2 already held}, or {@code 3 blobs, all already held}. */
    static String blobCounts(int blobs, int held, long fetchedBytes) {
        String count = blobs + (blobs == 1 ? " blob" : " blobs");
        if (held == blobs) {
            return count + (blobs == 0 ? "" : ", all already held");
        }
        return count + ": " + (blobs - held) + " fetched, " + ByteSize.ofBytes(fetchedBytes) + ", " + held
                + " already held";
    }

    /** {@code 12.3 MiB/s}: {@code bytes} over {@code elapsed}. */
    static String rate(long bytes, Duration elapsed) {
        double seconds = Math.max(elapsed.toNanos(), 1) / 1e9;
        return ByteSize.ofBytes((long) (bytes / seconds)) + "/s";
    }

    static String seconds(Duration elapsed) {
        return String.format(Locale.ROOT, "%.1f s", elapsed.toMillis() / 1000.0);
    }

    /**
     * The end of a run: {@code warmed 1 of 2 images in 4.1 s: 3 blobs: ...}, then one {@code failed:}
     * line per image that failed, with its reason.
     */
    static List<String> lines(List<ImageResult> results, Duration elapsed) {
        int warmed = 0;
        int blobs = 0;
        int held = 0;
        long bytes = 0;
        List<String> failures = new ArrayList<>();
        for (ImageResult r : results) {
            if (r.ok()) {
                warmed++;
                blobs += r.blobs();
                held += r.held();
                bytes += r.fetchedBytes();
            } else {
                failures.add(r.line());
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add("warmed " + warmed + " of " + results.size() + (results.size() == 1 ? " image" : " images")
                + " in " + seconds(elapsed)
                + (warmed == 0 ? "" : ": " + blobCounts(blobs, held, bytes))
                + (bytes > 0 ? " (" + rate(bytes, elapsed) + ")" : ""));
        lines.addAll(failures);
        return lines;
    }
}
