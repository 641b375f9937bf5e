package dev.registrycache.common.store.s3;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.store.BlobReader;
import dev.registrycache.common.store.FileBlobReader;
import dev.registrycache.common.store.HeapSlices;
import dev.registrycache.common.store.StorageDriver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upload to the bucket. Its bytes go to a local file, which its readers follow as it grows and
 * keep reading across the publish, and, part by part as they fill ({@link Parts}), to a multipart
 * upload sent by a lane of its own while the writer goes on: the cold path does not wait for the
 * whole blob at the publish. When the key is known from the start (a blob fetched by its digest),
 * the multipart upload is at that key, and the publish sends the last part and completes it: S3
 * shows nothing at a key until its multipart upload completes. Otherwise it is at {@code
 * <scratch>/data}, and the publish completes it, copies it in the store to its key ({@link
 * PublishCopy}) and deletes it. An upload smaller than one part is one PUT of the file at the
 * publish. A failed part, complete or copy fails the publish, and {@link #close} then aborts the
 * multipart upload.
 *
 * <p>Side records {@code <scratch>/data~written/<bytes>} say how far it got, for the cleaner's
 * scan of uploads ({@link SideRecords}): one when it starts, one at its first bytes, then one per
 * part sent or minute of writing; {@code <scratch>/data~multipart/<key and upload id>} names a
 * multipart upload made at the key, which the scan aborts with the rest when the upload is stale
 * (its writer gone). A writer never fails for the store: only the publish does.
 */
final class S3Upload implements StorageDriver.Upload {
    private static final Logger LOG = LoggerFactory.getLogger(S3Upload.class);
    private static final long RECORD_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final S3Driver driver;
    private final Bucket bucket;
    private final Parts parts;
    private final String scratchData;
    /** Where the multipart upload goes: the announced key, or {@link #scratchData}. */
    private final String multipartKey;

    private final Path file;
    private final FileChannel out;
    private final List<String> etags = new ArrayList<>();
    private ExecutorService lane;
    private volatile long written;
    private long queued;
    private int queuedParts;
    private volatile long recorded = -1;
    private volatile long recordedAtNanos;
    private volatile boolean recordQueued;
    private volatile String uploadId;
    private volatile IOException failure;
    private volatile boolean completed;
    private volatile String published;
    private volatile boolean closed;
    private boolean recordsDeleted;

    private S3Upload(S3Driver driver, Parts parts, String scratchData, String key, Path file, FileChannel out) {
        this.driver = driver;
        this.bucket = driver.bucket();
        this.parts = parts;
        this.scratchData = scratchData;
        this.multipartKey = key != null ? key : scratchData;
        this.file = file;
        this.out = out;
    }

    /**
     * An upload whose bytes wait in {@code localDir} and in a multipart upload at {@code key} (to
     * be published there) or, if null, at {@code scratchData}; recorded at {@code scratchData} as
     * started.
     */
    static S3Upload start(S3Driver driver, Parts parts, Path localDir, String scratchData, String key)
            throws IOException {
        Path file = Files.createTempFile(localDir, "upload-", ".data");
        FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE);
        S3Upload upload = new S3Upload(driver, parts, scratchData, key, file, out);
        try {
            upload.record(0);
        } catch (IOException | RuntimeException e) {
            upload.close();
            throw e;
        }
        return upload;
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        if (closed || published != null) {
            throw new IOException("the upload " + scratchData + " is " + (closed ? "closed" : "published"));
        }
        int n = bytes.remaining();
        HeapSlices.write(out, bytes);
        written += n; // only the writer changes it
        if (recorded == 0 && written > 0) {
            recordQuietly(); // a scan tells an upload under way from one that got no byte
        }
        while (written - queued >= parts.size(queuedParts + 1)) {
            queuePart(parts.size(queuedParts + 1));
        }
        if (!recordQueued && System.nanoTime() - recordedAtNanos > RECORD_EVERY_NANOS) {
            recordQueued = true;
            lane().execute(this::recordQuietly);
        }
    }

    /** Hands the next {@code length} bytes to the lane as the next part. */
    private void queuePart(long length) {
        int number = ++queuedParts;
        long offset = queued;
        queued += length;
        lane().execute(() -> {
            if (failure != null || closed) {
                return;
            }
            try {
                if (uploadId == null) {
                    uploadId = bucket.createMultipart(multipartKey);
                    if (!multipartKey.equals(scratchData)) {
                        bucket.put(
                                SideRecords.multipart(scratchData, multipartKey, uploadId),
                                S3Client.Body.of(new byte[0]));
                    }
                }
                String etag = bucket.uploadPart(
                        multipartKey, uploadId, number, driver.client().fileRegion(file, offset, length));
                synchronized (etags) {
                    etags.add(etag);
                }
            } catch (IOException e) {
                failure = e;
                return;
            }
            recordQuietly();
        });
    }

    private ExecutorService lane() {
        if (lane == null) {
            lane = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "s3-upload");
                t.setDaemon(true);
                return t;
            });
        }
        return lane;
    }

    @Override
    public BlobReader openReader() throws IOException {
        try {
            return new FileBlobReader(FileChannel.open(file, StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            String key = published;
            if (key == null) {
                throw new IOException("the upload " + scratchData + " is closed and was not published", e);
            }
            BlobReader reader = driver.reader(key);
            if (reader == null) {
                throw new IOException("the upload was published at " + key + ", which is gone", e);
            }
            return reader;
        }
    }

    @Override
    public void publish(String key) throws IOException {
        if (closed || published != null) {
            throw new IllegalStateException("the upload " + scratchData + " is " + (closed ? "closed" : "published"));
        }
        if (!multipartKey.equals(scratchData) && !multipartKey.equals(key)) {
            throw new IllegalStateException(
                    "the upload " + scratchData + " was announced for " + multipartKey + ", not " + key);
        }
        long size = written;
        out.close();
        if (queuedParts == 0) {
            bucket.put(key, driver.client().fileRegion(file, 0, size));
        } else {
            if (size > queued) {
                queuePart(size - queued);
            }
            awaitLane(Long.MAX_VALUE);
            if (failure != null) {
                throw new IOException(
                        "the upload to " + bucket.address().describe(key) + " failed: " + failure.getMessage(),
                        failure);
            }
            bucket.completeMultipart(multipartKey, uploadId, List.copyOf(etags));
            if (multipartKey.equals(scratchData)) {
                completed = true;
                new PublishCopy(bucket, parts).copy(scratchData, key, size);
                bucket.delete(scratchData);
                completed = false;
            }
        }
        published = key;
        deleteRecords();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing buffered: writes go straight to the file
        }
        if (lane != null) {
            lane.shutdownNow(); // interrupts a part under way: its request is aborted
            awaitLane(TimeUnit.MINUTES.toMillis(1));
        }
        if (published == null) {
            discard();
        }
        deleteRecords();
        try {
            Files.deleteIfExists(file); // readers keep their open file
        } catch (IOException e) {
            LOG.warn("cannot delete the upload's local file {}: {}", file, Reasons.of(e));
        }
    }

    /** Aborts the multipart upload, or deletes what it completed; what fails is left for the cleaner's scan. */
    private void discard() {
        try {
            if (uploadId != null && !completed) {
                bucket.abortMultipart(multipartKey, uploadId);
            }
            if (completed) {
                bucket.delete(scratchData);
            }
        } catch (IOException e) {
            LOG.warn("cannot discard the S3 upload {}, left for the cleaner: {}", scratchData, Reasons.of(e));
        }
    }

    private void awaitLane(long millis) {
        if (lane == null) {
            return;
        }
        lane.shutdown();
        try {
            if (!lane.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
                failure = new IOException("a part of the upload did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new IOException("interrupted while the upload's parts were sent");
        }
    }

    /** Records how far the upload got: a new side record, then the old one deleted. */
    private synchronized void record(long bytes) throws IOException {
        recordQueued = false;
        recordedAtNanos = System.nanoTime();
        long old = recorded;
        if (bytes == old || closed || published != null || recordsDeleted) {
            return;
        }
        bucket.put(SideRecords.written(scratchData, bytes), S3Client.Body.of(new byte[0]));
        recorded = bytes;
        if (old >= 0) {
            bucket.delete(SideRecords.written(scratchData, old));
        }
    }

    private void recordQuietly() {
        try {
            record(written);
        } catch (IOException e) {
            LOG.debug("cannot record the progress of {}: {}", scratchData, Reasons.of(e));
        }
    }

    /** Deletes every progress record of the upload, whatever a record under way left. */
    private synchronized void deleteRecords() {
        if (recordsDeleted) {
            return;
        }
        try {
            List<String> keys = new ArrayList<>();
            for (S3Xml.Listed record : bucket.listAll(SideRecords.recordsPrefix(scratchData))) {
                keys.add(record.key());
            }
            if (!keys.isEmpty()) {
                bucket.deleteAll(keys);
            }
            recordsDeleted = true;
        } catch (IOException e) {
            LOG.warn("cannot delete the progress records of {}, left for the cleaner: {}", scratchData, Reasons.of(e));
        }
    }
}
