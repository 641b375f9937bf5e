package dev.registrycache.common.http;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.store.FileDatastore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JIT's work done before the first pull instead of during it. A JVM that has just started
 * runs its code interpreted, then compiled by C1, and compiles the hot paths with C2 while it
 * serves: the first cold pull after a start cost the stack about twice the CPU of the next one,
 * half of it in the compiler threads, on the same cores as the transfer (bench/README.md). So
 * once the server has started and had no request for a moment, a thread sends synthetic transfers through a
 * throwaway copy of the process's own server (the same classes on another loopback port, with
 * its own temporary folder, metrics and log, and a synthetic peer behind it), until its budget of
 * bytes is spent; it stops at once when the real server sees its first request for a repository,
 * so that it never competes with a real pull for longer than the transfer it was in.
 */
public final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    /** A throwaway copy of the server with a client of it. */
    public interface Rig extends AutoCloseable {
        /** One synthetic transfer through the copy: the bytes it moved; it ends early once {@code stop} is true. */
        long transfer(BooleanSupplier stop) throws Exception;
    }

    /** The name every rig's temporary folder starts with. */
    public static final String FOLDER_PREFIX = "registry-cache-warm-up-";

    /** Builds a rig in the temporary folder it is given. */
    public interface InFolder<R extends Rig> {
        R build(Path folder) throws Exception;
    }

    /** A synthetic transfer that takes longer has failed. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** How often a warm-up that waits for a quiet moment looks. */
    private static final Duration QUIET_POLL = Duration.ofMillis(100);

    private WarmUp() {}

    /** A warm-up under way: the bytes it has moved so far, and its end with the bytes moved in all. */
    public record Progress(AtomicBoolean begun, AtomicLong moved, CompletableFuture<Long> ended) {
        public Progress() {
            this(new AtomicBoolean(), new AtomicLong(), new CompletableFuture<>());
        }
    }

    /**
     * Starts the warm-up on a daemon thread: once {@code quiet} says no request came for a while,
     * builds the rig, transfers until {@code budget} bytes have passed or {@code yield} says a
     * real request arrived, closes the rig.
     */
    public static Progress start(
            String name, long budget, BooleanSupplier quiet, BooleanSupplier yield, Callable<Rig> rig) {
        Progress progress = new Progress();
        Thread thread = new Thread(
                () -> progress.ended().complete(awaitQuiet(quiet, yield) ? run(budget, yield, rig, progress) : 0L),
                name + "-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
        return progress;
    }

    /**
     * Sends {@code request} and reads the body to its end, or until {@code stop}:
     * the bytes read.
     */
    public static long get(Request request, BooleanSupplier stop) throws Exception {
        InputStreamResponseListener listener = new InputStreamResponseListener();
        request.timeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).send(listener);
        Response response = listener.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        long read = 0;
        try (InputStream body = listener.getInputStream()) {
            if (response.getStatus() != 200) {
                throw new IOException("warm-up GET " + request.getURI() + ": " + response.getStatus());
            }
            byte[] buffer = new byte[64 * 1024];
            for (int n; !stop.getAsBoolean() && (n = body.read(buffer)) >= 0; ) {
                read += n;
            }
        }
        return read;
    }

    /**
     * The rig {@code build} makes in a new temporary folder, which the rig removes when it closes;
     * removed at once if the building fails.
     */
    public static <R extends Rig> R inNewFolder(InFolder<R> build) throws Exception {
        removeFoldersOfEndedProcesses(Path.of(System.getProperty("java.io.tmpdir")));
        Path folder = Files.createTempDirectory(
                FOLDER_PREFIX + ProcessHandle.current().pid() + "-");
        try {
            return build.build(folder);
        } catch (Exception e) {
            FileDatastore.deleteTree(folder);
            throw e;
        }
    }

    /**
     * Deletes the warm-up folders in {@code tmp} whose process has ended: a process killed during
     * its warm-up (SIGKILL, out of memory) leaves its folder, with up to a blob of the warm-up's
     * size in it. A folder's name holds its process's id; one of another process that still runs,
     * or whose name holds none, stays.
     */
    static void removeFoldersOfEndedProcesses(Path tmp) {
        try (var entries = Files.newDirectoryStream(tmp, FOLDER_PREFIX + "*")) {
            for (Path folder : entries) {
                String rest = folder.getFileName().toString().substring(FOLDER_PREFIX.length());
                int dash = rest.indexOf('-');
                if (dash <= 0 || !rest.substring(0, dash).chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(rest.substring(0, dash));
                if (ProcessHandle.of(pid).isEmpty()) {
                    FileDatastore.deleteTree(folder);
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("cannot look for warm-up folders left in {}: {}", tmp, Reasons.of(e));
        }
    }

    /** Waits until {@code quiet}; false if {@code yield} says to give up first. */
    private static boolean awaitQuiet(BooleanSupplier quiet, BooleanSupplier yield) {
        while (!quiet.getAsBoolean()) {
            if (yield.getAsBoolean()) {
                return false;
            }
            try {
                Thread.sleep(QUIET_POLL.toMillis());
            } catch (InterruptedException e) {
                return false;
            }
        }
        return !yield.getAsBoolean();
    }

    private static long run(long budget, BooleanSupplier yield, Callable<Rig> rig, Progress progress) {
        progress.begun().set(true); // the throwaway copy is built now
        long t0 = System.nanoTime();
        long moved = 0;
        try (Rig r = rig.call()) {
            while (r != null && moved < budget && !yield.getAsBoolean()) {
                moved += r.transfer(yield);
                progress.moved().set(moved);
            }
        } catch (Exception e) {
            if (!yield.getAsBoolean()) {
                LOG.info("warm-up ended early after {} MiB: {}", moved >> 20, Reasons.of(e));
                return moved;
            }
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        if (yield.getAsBoolean()) {
            LOG.info("warm-up ended by the first request after {} MiB in {} ms", moved >> 20, millis);
        } else {
            LOG.info("warm-up: {} MiB through a throwaway copy in {} ms", moved >> 20, millis);
        }
        if (moved > 0 && !yield.getAsBoolean()) {
            // the heap the transfers grew, and the throwaway server's buffers, given back while idle
            System.gc();
        }
        return moved;
    }
}
