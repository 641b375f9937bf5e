package dev.registrycache.common.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;

/**
 * Runs a pass's file-system work (the scan, the deletions, the link pruning) on 16 threads.
 * It is bound by the file system's latency, not by the CPU, so many calls in flight finish
 * sooner even on two cores (bench/run-store-bench.sh compares thread counts; its figures are in
 * bench/README.md). One instance per pass; close it after.
 */
public final class IoWorkers implements AutoCloseable {
    public static final int THREADS = 16;
    private static final int CHUNK = 128;

    private final ExecutorService pool;

    public IoWorkers(int threads) {
        this.pool = threads <= 1
                ? null
                : Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "cleaner-io");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Applies {@code action} to 0..n-1 in chunks across the threads; returns which calls returned true. */
    public boolean[] each(int n, IntPredicate action) {
        return each(n, CHUNK, action);
    }

    /** Applies {@code action} to 0..n-1, {@code chunk} calls per task. */
    public boolean[] each(int n, int chunk, IntPredicate action) {
        boolean[] done = new boolean[n];
        if (pool == null || n <= chunk) {
            for (int i = 0; i < n; i++) {
                done[i] = action.test(i);
            }
            return done;
        }
        List<Future<?>> chunks = new ArrayList<>();
        for (int from = 0; from < n; from += chunk) {
            int start = from;
            int end = Math.min(n, from + chunk);
            chunks.add(pool.submit(() -> {
                for (int i = start; i < end; i++) {
                    done[i] = action.test(i);
                }
            }));
        }
        for (Future<?> f : chunks) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while deleting", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("deleting failed", e.getCause());
            }
        }
        return done; // Future.get() orders the workers' writes before these reads
    }

    /** Runs the tasks across the threads and waits for all of them. */
    public void all(List<Runnable> tasks) {
        each(tasks.size(), 1, i -> {
            tasks.get(i).run();
            return true;
        });
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
