package dev.registrycache.common.store.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.BlobReader;
import dev.registrycache.common.store.BlobUpload;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.common.store.DriverDatastore;
import dev.registrycache.common.store.StorageDriver;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.S3Bucket;
import dev.registrycache.testsupport.S3Server;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What S3Driver does beyond the driver contract, seen in the bucket through the tests' own
 * client: uploads in parts sent while they are written, published by a copy and nothing before,
 * discarded whole; uses as one side record per object. s3proxy, one for the class, each test under
 * a prefix of its own; parts of 5 MiB (S3's least) to keep the bytes few.
 */
class S3DriverTest {
    private static final long MIB = 1024 * 1024;

    @RegisterExtension
    static final S3Bucket BUCKET = new S3Bucket();

    @TempDir
    Path scratch;

    private String prefix;
    private S3Driver driver;

    @BeforeEach
    void open() throws IOException {
        prefix = "t-" + UUID.randomUUID();
        driver = open(new Parts(5 * MIB, Parts.MAX_PART, 512 * MIB));
    }

    private S3Driver open(Parts parts) throws IOException {
        return S3Driver.open(
                S3Settings.from(s3().environment(prefix)),
                S3Driver.Options.of(scratch)
                        .withIdleTimeout(Duration.ofSeconds(10))
                        .withParts(parts));
    }

    @AfterEach
    void close() {
        driver.close();
    }

    static byte[] bytes(int seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code b} from {@code from} to {@code to} in 64 KiB writes, as the node does. */
    static void write(StorageDriver.Upload upload, byte[] b, int from, int to) throws IOException {
        for (int at = from; at < to; at += 64 * 1024) {
            upload.write(ByteBuffer.wrap(b, at, Math.min(64 * 1024, to - at)));
        }
    }

    static byte[] readAll(BlobReader reader) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) reader.size());
        while (buf.hasRemaining() && reader.read(buf, buf.position()) >= 0) {
            // positional reads until the end
        }
        return Arrays.copyOf(buf.array(), buf.position());
    }

    /** The keys under this test's prefix, relative to it. */
    private List<String> keys() {
        return s3().client().keys(prefix + "/").stream()
                .map(k -> k.substring(prefix.length() + 1))
                .sorted()
                .toList();
    }

    /** The multipart uploads in progress under this test's prefix. */
    private int multipartUploads() {
        return multipartUploads("");
    }

    /** The multipart uploads in progress under {@code folder} (with its trailing slash) of this test's prefix. */
    private int multipartUploads(String folder) {
        String xml = new String(
                s3().client()
                        .send(
                                "GET",
                                "/" + S3Server.BUCKET + "?prefix=" + prefix + "%2F" + folder.replace("/", "%2F")
                                        + "&uploads=",
                                java.util.Map.of(),
                                null)
                        .body(),
                StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<UploadId>").matcher(xml);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** The size an upload's scratch shows to a scan of uploads. */
    private long scannedUploadSize(String uploadsFolder) throws IOException {
        List<StorageDriver.Child> found = driver.listObjects(uploadsFolder, "data");
        return found.isEmpty() ? -1 : found.get(0).info().size();
    }

    @Test
    void aBlobOfSeveralPartsIsSentWhileWrittenAndIsAtItsKeyOnlyOncePublished() throws IOException {
        byte[] b = bytes(1, (int) (12 * MIB + 3));
        try (StorageDriver.Upload upload = driver.upload("up/1")) {
            write(upload, b, 0, (int) (6 * MIB));
            Await.until(
                    "the first part is sent and recorded before the blob is whole",
                    () -> uncheck(() -> scannedUploadSize("up") >= 5 * MIB));
            assertEquals(1, multipartUploads(), "a multipart upload under way");
            BlobReader early = upload.openReader();
            write(upload, b, (int) (6 * MIB), b.length);
            assertNull(driver.stat("blobs/x/data"), "nothing at the key before the publish");
            upload.publish("blobs/x/data");
            assertArrayEquals(b, readAll(early), "a reader of the upload reads across the publish");
            early.close();
            assertEquals(List.of("blobs/x/data"), keys(), "the scratch object and progress records are gone");
            assertEquals(0, multipartUploads());
        }
        try (BlobReader reader = driver.reader("blobs/x/data")) {
            assertEquals(b.length, reader.size());
            assertArrayEquals(b, readAll(reader));
        }
    }

    @Test
    void aBlobAnnouncedForItsKeyIsUploadedThereAndItsPublishCompletesItWithoutACopy() throws IOException {
        byte[] b = bytes(5, (int) (12 * MIB + 5));
        try (StorageDriver.Upload upload = driver.upload("up/5", "blobs/z/data")) {
            write(upload, b, 0, (int) (6 * MIB));
            Await.until("the first part is sent and recorded", () -> uncheck(() -> scannedUploadSize("up") >= 5 * MIB));
            assertEquals(1, multipartUploads("blobs/z/"), "the multipart upload is at the blob's key");
            assertEquals(0, multipartUploads("up/"), "none at the scratch key");
            assertTrue(keys().stream().anyMatch(k -> k.startsWith("up/5/data~multipart/")), keys().toString());
            write(upload, b, (int) (6 * MIB), b.length);
            assertNull(driver.stat("blobs/z/data"), "nothing at the key before the publish");
            assertEquals(List.of(), driver.listObjects("blobs", "data"), "nor in a listing");
            upload.publish("blobs/z/data");
        }
        assertArrayEquals(b, driver.get("blobs/z/data", b.length));
        assertEquals(List.of("blobs/z/data"), keys(), "the records are gone");
        assertEquals(0, multipartUploads());
    }

    @Test
    void removingAStaleUploadAbortsItsMultipartUploadAtTheKeyAndNotAnotherWritersToTheSameKey() throws IOException {
        byte[] b = bytes(6, (int) (6 * MIB));
        try (StorageDriver.Upload stale = driver.upload("up/6", "blobs/w/data");
                StorageDriver.Upload live = driver.upload("up/7", "blobs/w/data")) {
            write(stale, b, 0, b.length);
            write(live, b, 0, b.length);
            Await.until("both sent a part", () -> multipartUploads("blobs/w/") == 2);
            Await.until(
                    "the stale one recorded its multipart upload and its part (it writes nothing more)",
                    () -> keys().stream().anyMatch(k -> k.startsWith("up/6/data~multipart/"))
                            && keys().contains("up/6/data~written/" + b.length));

            driver.deleteTree("up/6"); // what the cleaner's scan does with an upload whose writer is gone

            assertEquals(1, multipartUploads("blobs/w/"), "the live writer's upload goes on");
            assertTrue(keys().stream().noneMatch(k -> k.startsWith("up/6/")), keys().toString());
            live.publish("blobs/w/data");
        }
        assertArrayEquals(b, driver.get("blobs/w/data", b.length));
        assertEquals(0, multipartUploads());
    }

    @Test
    void aBlobBeyondOneCopyIsCopiedInPartsAtItsPublish() throws IOException {
        driver.close();
        driver = open(new Parts(5 * MIB, 5 * MIB, 5 * MIB));
        byte[] b = bytes(2, (int) (11 * MIB + 7));
        try (StorageDriver.Upload upload = driver.upload("up/2")) {
            write(upload, b, 0, b.length);
            upload.publish("blobs/y/data");
        }
        assertArrayEquals(b, driver.get("blobs/y/data", b.length));
        assertEquals(List.of("blobs/y/data"), keys());
        assertEquals(0, multipartUploads());
    }

    @Test
    void aSmallUploadIsOnePutAtItsPublishAndRecordedAsStartedAndAtItsFirstBytes() throws IOException {
        try (StorageDriver.Upload upload = driver.upload("up/3")) {
            assertEquals(0, scannedUploadSize("up"), "recorded as started");
            upload.write(ByteBuffer.wrap(bytes(3, 1000)));
            assertEquals(1000, scannedUploadSize("up"), "recorded at its first bytes");
            assertEquals(List.of("up/3/data~written/1000"), keys(), "one record, the older deleted");
            upload.publish("small/data");
        }
        assertEquals(List.of("small/data"), keys());
        assertEquals(0, multipartUploads(), "no multipart upload for less than a part");
    }

    @Test
    void anUploadClosedUnpublishedLeavesNoObjectRecordOrMultipartUploadAndNoLocalFile() throws IOException {
        try (StorageDriver.Upload upload = driver.upload("up/4")) {
            write(upload, bytes(4, (int) (11 * MIB)), 0, (int) (11 * MIB));
            Await.until("a part is sent", () -> uncheck(() -> scannedUploadSize("up") >= 5 * MIB));
        }
        assertEquals(List.of(), keys());
        assertEquals(0, multipartUploads());
        try (var files = Files.list(scratch)) {
            assertEquals(0, files.count(), "the local copy is deleted");
        }
    }

    @Test
    void theCleanersRemovalOfAStaleUploadAlsoAbortsItsMultipartUpload() throws Exception {
        Datastore store = new DriverDatastore(driver);
        RepositoryName repository = RepositoryName.parse("quay.io/team/app");
        BlobUpload abandoned = store.newUpload(repository); // its writer crashed: never closed
        byte[] b = bytes(8, (int) (6 * MIB));
        for (int at = 0; at < b.length; at += 64 * 1024) {
            abandoned.write(ByteBuffer.wrap(b, at, 64 * 1024));
        }
        Await.until(
                "a part is sent",
                () -> multipartUploads() == 1
                        && store.scanUploads(Duration.ofDays(1), false).liveBytes() >= 5 * MIB);
        Await.until( // S3's write times are whole seconds
                "the upload's record is in the past",
                () -> store.scanUploads(Duration.ZERO, false).stale() == 1);
        assertEquals(1, store.scanUploads(Duration.ZERO, true).stale());
        assertEquals(List.of(), keys());
        assertEquals(0, multipartUploads(), "aborted with the stale upload's records");
        abandoned.close();
    }

    @Test
    void aUseIsOneEmptyRecordBesideTheObjectWhichTheListingReadsAndDeleteRemoves() throws IOException {
        driver.put("blobs/ab/data", bytes(5, 10));
        long written = driver.stat("blobs/ab/data").modifiedMillis();
        assertTrue(driver.recordUse("blobs/ab/data", Instant.ofEpochMilli(written + 5000), false));
        assertTrue(driver.recordUse("blobs/ab/data", Instant.ofEpochMilli(written + 9000), false));
        assertTrue(driver.recordUse("blobs/ab/data", Instant.ofEpochMilli(written + 1000), false));
        assertEquals(
                List.of("blobs/ab/data", "blobs/ab/data~use/" + (written + 9000)), keys(), "one record: the latest");
        assertEquals(List.of("ab"), driver.list("blobs"));
        assertEquals(List.of("data"), driver.list("blobs/ab"), "no side record listed");
        StorageDriver.Child child = driver.listObjects("blobs", "data").get(0);
        assertEquals(new StorageDriver.Child("ab", new StorageDriver.Info(10, written), written + 9000), child);
        assertTrue(driver.delete("blobs/ab/data"));
        assertEquals(List.of(), keys(), "the object and its record");
    }

    /** More keys than one answer of S3 holds (1000): listings go on page after page, and a batch delete in batches. */
    @Test
    void listingsAndDeletesOfManyKeysGoPageByPage() throws Exception {
        int n = Bucket.DELETE_BATCH + 5;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<?>> puts = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                String key = "many/" + String.format("%04d", i) + "/data";
                puts.add(pool.submit(() -> {
                    driver.put(key, new byte[] {1, 2});
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> put : puts) {
                put.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(n, driver.list("many").size());
        List<StorageDriver.Child> objects = driver.listObjects("many", "data");
        assertEquals(n, objects.size());
        assertTrue(objects.stream().allMatch(c -> c.info().size() == 2));
        driver.deleteTree("many");
        assertEquals(List.of(), driver.list("many"));
    }

    @Test
    void keysThatAreNotTheDatastoresAreRefused() {
        for (String key : new String[] {"a~b/data", "a//b", "../a", "a/./b", "", "/a"}) {
            assertThrows(IllegalArgumentException.class, () -> driver.put(key, new byte[1]), key);
        }
    }

    @Test
    void aReaderOfAnObjectReplacedMeanwhileFailsRatherThanMixBytes() throws IOException {
        driver.put("r/data", bytes(6, 100_000));
        try (BlobReader reader = driver.reader("r/data")) {
            driver.put("r/data", bytes(7, 100_000));
            IOException e = assertThrows(IOException.class, () -> reader.read(ByteBuffer.allocate(10), 50_000));
            assertTrue(e.getMessage().contains("replaced while it was read"), e.getMessage());
        }
    }

    interface IoSupplier<T> {
        T get() throws IOException;
    }

    static <T> T uncheck(IoSupplier<T> supplier) {
        try {
            return supplier.get();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static S3Server s3() {
        return BUCKET.server();
    }
}
