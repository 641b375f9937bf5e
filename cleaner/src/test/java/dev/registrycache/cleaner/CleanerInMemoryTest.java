package dev.registrycache.cleaner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.common.settings.ByteSize;
import dev.registrycache.common.store.BlobUpload;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.common.store.InMemoryDatastore;
import dev.registrycache.testsupport.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cleaner's policy on the in-memory datastore, with exact sizes and times: which blobs go and
 * in what order, what protects a blob, what is pruned after them, how uploads count.
 */
class CleanerInMemoryTest {
    private static final int SIZE = 100;
    private static final long MINUTE = 60_000;
    private static final long DAYS_AGO = 3 * 24 * 60;
    private static final RepositoryName REPO = RepositoryName.parse("quay.io/team/app");
    private static final Duration GRACE = Duration.ofMinutes(10);

    private final long now = System.currentTimeMillis();
    private final TestClock clock = new TestClock(Instant.ofEpochMilli(now));
    private final InMemoryDatastore store = new InMemoryDatastore(clock);
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private int seed;

    /** A blob of {@link #SIZE} bytes linked into the repository, written {@code minutesAgo}. */
    private Digest blob(long minutesAgo) throws IOException {
        byte[] bytes = ByteBuffer.allocate(SIZE).putInt(seed++).array();
        Digest d = Digest.sha256Of(bytes);
        store.putBlobAt(d, bytes, now - minutesAgo * MINUTE);
        store.linkLayer(REPO, d);
        return d;
    }

    private List<Digest> blobs(int count, long minutesAgo) throws IOException {
        List<Digest> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(blob(minutesAgo - i)); // each a minute more recent than the one before
        }
        return out;
    }

    private Cleaner cleaner(long maxBytes, int percent) {
        return new Cleaner(
                store,
                ByteSize.ofBytes(maxBytes),
                percent,
                GRACE,
                new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    private BlobUpload upload(int bytes) throws IOException {
        BlobUpload upload = store.newUpload(REPO);
        upload.write(ByteBuffer.wrap(new byte[bytes]));
        return upload;
    }

    @Test
    void deletesTheLeastRecentlyUsedFirstUntilTheStoreIsAtItsMax() throws IOException {
        List<Digest> b = blobs(10, DAYS_AGO);
        store.recordUse(
                b.get(0), Instant.ofEpochMilli(now - 60 * MINUTE), false); // the two oldest were used an hour ago
        store.recordUse(b.get(1), Instant.ofEpochMilli(now - 61 * MINUTE), false);
        List<Digest> order = List.of(b.get(2), b.get(3), b.get(4), b.get(5), b.get(6));

        cleaner(500, 0).run(true);
        List<String> wouldDelete =
                printed().lines().filter(l -> l.startsWith("would delete ")).toList();
        assertEquals(
                order.stream().map(d -> "would delete " + d).toList(),
                wouldDelete.stream()
                        .map(l -> l.substring(0, l.indexOf(' ', "would delete ".length())))
                        .toList(),
                "least recently used first");

        Cleaner.Pass pass = cleaner(500, 0).run(false);
        assertEquals(5, pass.deleted());
        assertEquals(500, pass.after());
        for (Digest d : b) {
            assertEquals(!order.contains(d), store.blobSize(d) >= 0, d.toString());
        }
    }

    @Test
    void blobsUsedOrWrittenWithinTheGracePeriodAreSpared() throws IOException {
        List<Digest> old = blobs(3, DAYS_AGO);
        List<Digest> recent = blobs(3, 2);
        Digest usedRecently = blob(DAYS_AGO + 10);
        store.recordUse(usedRecently, Instant.ofEpochMilli(now - MINUTE), false);
        Cleaner.Pass pass = cleaner(100, 0).run(false);
        assertEquals(3, pass.deleted());
        assertEquals(400, pass.after(), "above the max: nothing else may go");
        old.forEach(d -> assertEquals(-1, store.blobSize(d)));
        recent.forEach(d -> assertEquals(SIZE, store.blobSize(d)));
        assertEquals(SIZE, store.blobSize(usedRecently));
    }

    @Test
    void cleansOnlyWhenTheStoreIsAboveTheThreshold() throws IOException {
        blobs(12, DAYS_AGO);
        Cleaner.Pass pass = cleaner(1000, 20).run(false);
        assertEquals(0, pass.deleted(), "1200 B is not above 1000 B + 20 %");
        blob(DAYS_AGO + 100);
        pass = cleaner(1000, 20).run(false);
        assertEquals(3, pass.deleted(), "down to the max, not to the threshold");
        assertEquals(1000, pass.after());
    }

    @Test
    void aDryRunDeletesAndPrunesNothingButCountsWhatItWould() throws IOException {
        List<Digest> b = blobs(4, DAYS_AGO);
        Cleaner.Pass pass = cleaner(200, 0).run(true);
        assertEquals(2, pass.deleted());
        assertEquals(2, pass.pruned().links());
        for (Digest d : b) {
            assertEquals(SIZE, store.blobSize(d));
            assertTrue(store.layerLinked(REPO, d));
        }
        assertTrue(
                printed().contains("cleaner (dry run): ")
                        && printed().contains("would delete 2 blobs, 200 B freed; would remove 2 dangling links"),
                printed());
    }

    @Test
    void aTagIsPrunedOnceTheManifestItPointsAtIsEvicted() throws IOException {
        Digest evicted = blob(DAYS_AGO + 10);
        Digest kept = blob(1);
        store.linkManifest(REPO, evicted);
        store.linkManifest(REPO, kept);
        store.tag(REPO, Tag.parse("old"), evicted);
        store.tag(REPO, Tag.parse("new"), kept);
        Cleaner.Pass pass = cleaner(SIZE, 0).run(false);
        assertEquals(1, pass.deleted());
        assertEquals(1, pass.pruned().tags());
        assertEquals(2, pass.pruned().links(), "its layer link and its manifest revision");
        assertEquals(List.of(Tag.parse("new")), store.tags(REPO));
        assertNull(store.tagTarget(REPO, Tag.parse("old")));
        assertFalse(store.manifestLinked(REPO, evicted));
        assertEquals(kept, store.taggedDigest(REPO, Tag.parse("new")));
        assertTrue(printed().contains("removed 2 dangling links, 1 tags"), printed());
    }

    @Test
    void uploadsInProgressCountInTheStoreSizeAndAreNeverDeleted() throws IOException {
        blobs(10, DAYS_AGO);
        try (BlobUpload upload = upload(300)) {
            Cleaner cleaner = cleaner(1000, 20);
            assertEquals(1300, cleaner.storeBytes());
            Cleaner.Pass pass = cleaner.run(false);
            assertEquals(1300, pass.before());
            assertEquals(3, pass.deleted(), "above 1000 B + 20 %: down to 1000 B with the upload counted");
            assertEquals(new Datastore.UploadsSummary(1, 300, 0, 0), pass.uploads());
            assertEquals(new Datastore.UploadsSummary(1, 300, 0, 0), store.scanUploads(Cleaner.STALE_UPLOAD, false));
        }
    }

    @Test
    void everyPassRemovesTheUploadsNotWrittenToForTenMinutes() throws IOException {
        blobs(2, DAYS_AGO);
        try (BlobUpload first = upload(30);
                BlobUpload second = upload(50)) {
            clock.advance(Duration.ofMinutes(11));
            second.write(ByteBuffer.wrap(new byte[20])); // still written to
            Cleaner cleaner = cleaner(1000, 20);
            assertEquals(
                    2 * SIZE + 30 + 70, cleaner.storeBytes(), "the gauge counts a dead upload until it is removed");
            Cleaner.Pass pass = cleaner.run(false);
            assertEquals(new Datastore.UploadsSummary(1, 70, 1, 30), pass.uploads());
            assertTrue(printed().contains("1 dead uploads (1 in progress, 70 B)"), printed());
            clock.advance(Duration.ofMinutes(11));
            assertEquals(
                    new Datastore.UploadsSummary(0, 0, 1, 70), cleaner.run(true).uploads(), "a dry run only counts it");
            assertEquals(
                    new Datastore.UploadsSummary(0, 0, 1, 70),
                    cleaner.run(false).uploads(),
                    "the next pass removes it");
            assertEquals(new Datastore.UploadsSummary(0, 0, 0, 0), store.scanUploads(Duration.ZERO, false));
        }
    }
}
