package dev.registrycache.common.store.s3;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Copies a completed upload to its key inside the store, the step that publishes it on S3, which
 * has no rename: one CopyObject, atomic, up to 5 GiB; beyond, a multipart upload at the key whose
 * parts are copied from the upload (UploadPartCopy) a few at once and which appears whole at its
 * completion, or is aborted.
 */
final class PublishCopy {
    private static final int AT_ONCE = 4;

    private final Bucket bucket;
    private final Parts parts;

    PublishCopy(Bucket bucket, Parts parts) {
        this.bucket = bucket;
        this.parts = parts;
    }

    void copy(String from, String to, long size) throws IOException {
        if (size <= parts.maxSingleCopy()) {
            bucket.copy(from, to);
            return;
        }
        String uploadId = bucket.createMultipart(to);
        boolean done = false;
        try {
            bucket.completeMultipart(to, uploadId, copyParts(from, to, uploadId, size));
            done = true;
        } finally {
            if (!done) {
                bucket.abortMultipart(to, uploadId);
            }
        }
    }

    /** Copies the parts, {@link #AT_ONCE} at a time; their ETags in order. */
    private List<String> copyParts(String from, String to, String uploadId, long size) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(AT_ONCE, r -> {
            Thread t = new Thread(r, "s3-copy");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<String>> copies = new ArrayList<>();
            int number = 1;
            for (long first = 0; first < size; first += parts.copyPart(), number++) {
                long last = Math.min(size, first + parts.copyPart()) - 1;
                int n = number;
                long start = first;
                copies.add(pool.submit(() -> bucket.uploadPartCopy(from, to, uploadId, n, start, last)));
            }
            List<String> etags = new ArrayList<>();
            for (Future<String> copy : copies) {
                etags.add(copy.get());
            }
            return etags;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while copying the upload to " + to);
        } finally {
            pool.shutdownNow();
        }
    }
}
