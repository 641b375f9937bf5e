package dev.registrycache.warm;

import dev.registrycache.common.settings.ByteSize;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the user sees while images are warmed. On a terminal, one line rewritten in place a few
 * times a second (images done of all, bytes fetched, the rate), with each failure printed above
 * it as it happens; elsewhere (a log, a CI job), one plain line per image when it is done, which
 * reads well in a file and says nothing a second time.
 */
abstract class Progress implements AutoCloseable {
    /** Bytes of blobs fetched so far: called from the transfers' threads. */
    abstract void fetched(long bytes);

    /** An image is done, warmed or failed. */
    abstract void done(ImageResult result);

    /** Ends the progress output: what follows starts on a line of its own. */
    @Override
    public abstract void close();

    static Progress to(PrintWriter out, boolean terminal, int images) {
        return terminal ? new OnTerminal(out, images) : new Lines(out);
    }

    /** One line per image. */
    private static final class Lines extends Progress {
        private final PrintWriter out;

        Lines(PrintWriter out) {
            this.out = out;
        }

        @Override
        void fetched(long bytes) {
            // said per image
        }

        @Override
        synchronized void done(ImageResult result) {
            out.println(result.line());
            out.flush();
        }

        @Override
        public void close() {
            out.flush();
        }
    }

    /** A status line rewritten with a carriage return. */
    private static final class OnTerminal extends Progress {
        private static final long REDRAW_MILLIS = 250;

        private final PrintWriter out;
        private final int images;
        private final long started = System.nanoTime();
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicInteger done = new AtomicInteger();
        private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "warm-progress");
            t.setDaemon(true);
            return t;
        });
        private int drawn;

        OnTerminal(PrintWriter out, int images) {
            this.out = out;
            this.images = images;
            ticker.scheduleAtFixedRate(this::redraw, 0, REDRAW_MILLIS, TimeUnit.MILLISECONDS);
        }

        @Override
        void fetched(long n) {
            bytes.addAndGet(n);
        }

        @Override
        synchronized void done(ImageResult result) {
            done.incrementAndGet();
            if (!result.ok()) {
                clear();
                out.println(result.line());
            }
            redraw();
        }

        private synchronized void redraw() {
            long fetched = bytes.get();
            String line = done.get() + "/" + images + " images, "
                    + ByteSize.ofBytes(fetched) + " fetched, "
                    + Summary.rate(fetched, Duration.ofNanos(System.nanoTime() - started));
            out.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
            out.flush();
            drawn = line.length();
        }

        private void clear() {
            out.print("\r" + " ".repeat(drawn) + "\r");
            drawn = 0;
        }

        @Override
        public synchronized void close() {
            ticker.shutdownNow();
            clear();
            out.flush();
        }
    }
}
