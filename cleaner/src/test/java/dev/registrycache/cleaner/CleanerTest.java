package dev.registrycache.cleaner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.common.settings.ByteSize;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.common.store.StoreLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One cleaning pass over stores built file by file in distribution's layout: the cleaner with the
 * datastore the processes share (its policy alone is CleanerInMemoryTest's).
 */
class CleanerTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private FileDatastore store;
    private StoreLayout layout;
    private final RepositoryName repo = RepositoryName.parse("quay.io/team/app");
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private Digest blob(int seed, int size, Instant lastUse) throws Exception {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        Digest d = Digest.sha256Of(content);
        Path data = layout.blobData(d);
        Files.createDirectories(data.getParent());
        Files.write(data, content);
        Files.getFileAttributeView(data, BasicFileAttributeView.class)
                .setTimes(FileTime.from(lastUse), FileTime.from(lastUse), null);
        link(layout.layerLink(repo, d), d);
        return d;
    }

    private static void link(Path link, Digest d) throws Exception {
        Files.createDirectories(link.getParent());
        Files.writeString(link, d.toString());
    }

    private void storeIn(Path dataDir) {
        store = new FileDatastore(dataDir);
        layout = store.layout();
    }

    private Cleaner cleaner(long maxMib, int percent, Duration grace) {
        return new Cleaner(
                store,
                ByteSize.ofBytes(maxMib * MIB),
                percent,
                grace,
                new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    private List<Digest> fill(int count, Instant oldest) throws Exception {
        List<Digest> blobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            blobs.add(blob(i, MIB, oldest.plusSeconds(60L * i)));
        }
        return blobs;
    }

    @Test
    void shrinksAnOverfullStoreToItsBoundKeepingTheMostRecentlyUsed() throws Exception {
        storeIn(dir);
        List<Digest> blobs = fill(20, Instant.now().minus(Duration.ofDays(2)));
        Digest manifest = blobs.get(0); // the oldest is also a tagged manifest: its tag must go with it
        link(layout.manifestRevisionLink(repo, manifest), manifest);
        link(layout.tagCurrentLink(repo, Tag.parse("old")), manifest);
        link(layout.tagIndexLink(repo, Tag.parse("old"), manifest), manifest);
        Cleaner.Pass pass = cleaner(10, 20, Duration.ofMinutes(10)).run(false);
        assertEquals(20L * MIB, pass.before());
        assertEquals(10L * MIB, pass.after());
        assertEquals(10, pass.deleted());
        for (int i = 0; i < 20; i++) {
            assertEquals(i >= 10, Files.exists(layout.blobData(blobs.get(i))), "blob " + i);
            assertEquals(i >= 10, Files.exists(layout.layerLink(repo, blobs.get(i))), "link " + i);
        }
        assertFalse(Files.exists(layout.tagDir(repo, Tag.parse("old"))));
        assertFalse(Files.exists(layout.manifestRevisionLink(repo, manifest).getParent()));
        assertFalse(Files.exists(layout.blobDir(blobs.get(0))), "empty blob folders go too");
        String summary = printed.toString(StandardCharsets.UTF_8);
        assertTrue(
                summary.contains("20.0 MiB in 20 blobs before, 10.0 MiB after")
                        && summary.contains("deleted 10 blobs, 10.0 MiB freed"),
                summary);
    }

    @Test
    void cleansOnlyAboveTheThreshold() throws Exception {
        storeIn(dir);
        fill(12, Instant.now().minus(Duration.ofDays(2)));
        assertEquals(0, cleaner(10, 20, Duration.ZERO).run(false).deleted(), "12 MiB is not above 10 MiB + 20%");
        blob(99, MIB, Instant.now().minus(Duration.ofDays(3)));
        Cleaner.Pass pass = cleaner(10, 20, Duration.ZERO).run(false);
        assertEquals(3, pass.deleted());
        assertEquals(10L * MIB, pass.after());
    }

    @Test
    void neverDeletesBlobsUsedWithinTheGracePeriod() throws Exception {
        storeIn(dir);
        List<Digest> old = fill(5, Instant.now().minus(Duration.ofDays(1)));
        List<Digest> recent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            recent.add(blob(100 + i, MIB, Instant.now().minusSeconds(30)));
        }
        Cleaner.Pass pass = cleaner(2, 0, Duration.ofMinutes(10)).run(false);
        assertEquals(5, pass.deleted());
        old.forEach(d -> assertFalse(Files.exists(layout.blobData(d))));
        recent.forEach(d -> assertTrue(Files.exists(layout.blobData(d))));
    }

    @Test
    void dryRunDeletesNothingAndSaysWhatItWouldDelete() throws Exception {
        storeIn(dir);
        List<Digest> blobs = fill(20, Instant.now().minus(Duration.ofDays(2)));
        Cleaner.Pass pass = cleaner(10, 20, Duration.ZERO).run(true);
        assertEquals(10, pass.deleted());
        blobs.forEach(d -> assertTrue(Files.exists(layout.blobData(d))));
        blobs.forEach(d -> assertTrue(Files.exists(layout.layerLink(repo, d))));
        String out = printed.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("would delete " + blobs.get(0) + " 1.0 MiB"), out);
        assertFalse(out.contains("would delete " + blobs.get(10)), out);
        assertTrue(out.contains("(dry run)"), out);
    }

    @Test
    void blobsBeingFetchedCountInTheStoreSize() throws Exception {
        storeIn(dir);
        fill(10, Instant.now().minus(Duration.ofDays(2))); // 10 MiB: at the limit
        Path upload = layout.uploadData(repo, java.util.UUID.randomUUID());
        Files.createDirectories(upload.getParent());
        Files.write(upload, new byte[(int) (3 * MIB)]); // a transfer in progress takes the disk to 13 MiB
        Cleaner cleaner = cleaner(10, 20, Duration.ofMinutes(10));
        assertEquals(13 * MIB, cleaner.storeBytes());
        Cleaner.Pass pass = cleaner.run(false);
        assertEquals(13 * MIB, pass.before());
        assertEquals(3, pass.deleted(), "above 10 MiB + 20 %: down to 10 MiB with the upload counted");
        assertTrue(Files.exists(upload), "an upload in progress is never deleted");
        cleaner(10, 20, Duration.ZERO).run(false);
        assertTrue(Files.exists(upload), "not even with no grace period for blobs: uploads die after 10 minutes idle");
    }

    @Test
    void manySmallBlobsGoLeastRecentlyUsedFirstAcrossTheWorkerThreads() throws Exception {
        storeIn(dir);
        RepositoryName other = RepositoryName.parse("docker.io/library/other");
        Instant oldest = Instant.now().minus(Duration.ofDays(30));
        int count = 1500;
        List<Digest> blobs = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < count; i++) {
            // last use shuffled against creation order, so the scan's order is not the answer
            long minutes = (i * 7919L) % count;
            Digest d = blob(1000 + i, 100 + i % 200, oldest.plus(Duration.ofMinutes(minutes)));
            if (i % 3 == 0) {
                link(layout.layerLink(other, d), d);
            }
            blobs.add(d);
            total += 100 + i % 200;
        }
        List<Integer> byAge = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byAge.add(i);
        }
        byAge.sort(java.util.Comparator.comparingLong(i -> (i * 7919L) % count));
        long max = total * 6 / 10;
        java.util.Set<Integer> expectedGone = new java.util.HashSet<>();
        long size = total;
        for (int i : byAge) {
            if (size <= max) {
                break;
            }
            expectedGone.add(i);
            size -= 100 + i % 200;
        }
        Cleaner.Pass pass = new Cleaner(
                        store,
                        ByteSize.ofBytes(max),
                        0,
                        Duration.ZERO,
                        new PrintStream(printed, true, StandardCharsets.UTF_8))
                .run(false);
        assertEquals(expectedGone.size(), pass.deleted());
        assertEquals(size, pass.after());
        for (int i = 0; i < count; i++) {
            boolean kept = !expectedGone.contains(i);
            Digest d = blobs.get(i);
            assertEquals(kept, Files.exists(layout.blobData(d)), "blob " + i);
            assertEquals(kept, Files.exists(layout.layerLink(repo, d)), "link " + i);
            if (i % 3 == 0) {
                assertEquals(kept, Files.exists(layout.layerLink(other, d)), "second link " + i);
            }
        }
        long secondLinks = expectedGone.stream().filter(i -> i % 3 == 0).count();
        assertEquals(expectedGone.size() + secondLinks, pass.pruned().links());
    }

    @Test
    void oneThreadAndManyThreadsDeleteTheSameBlobs() throws Exception {
        storeIn(Files.createDirectory(dir.resolve("copy")));
        FileDatastore copy = store;
        for (int i = 0; i < 600; i++) {
            blob(5000 + i, 1000, Instant.now().minus(Duration.ofDays(1)).plusSeconds(i));
        }
        storeIn(Files.createDirectory(dir.resolve("store")));
        List<Digest> blobs = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            blobs.add(
                    blob(5000 + i, 1000, Instant.now().minus(Duration.ofDays(1)).plusSeconds(i)));
        }
        PrintStream sink = new PrintStream(printed, true, StandardCharsets.UTF_8);
        Cleaner.Pass many = new Cleaner(store, ByteSize.ofBytes(300_000), 0, Duration.ZERO, sink).run(false);
        Cleaner.Pass one = new Cleaner(copy, ByteSize.ofBytes(300_000), 0, Duration.ZERO, sink)
                .ioThreads(1)
                .run(false);
        assertEquals(300, many.deleted());
        assertEquals(one.deleted(), many.deleted());
        assertEquals(one.pruned(), many.pruned());
        for (int i = 0; i < blobs.size(); i++) {
            assertEquals(i >= 300, Files.exists(layout.blobData(blobs.get(i))), "blob " + i);
            assertEquals(i >= 300, Files.exists(copy.layout().blobData(blobs.get(i))), "blob " + i + " (one thread)");
        }
    }

    @Test
    void dryRunCountsTheLinksThatWouldDangle() throws Exception {
        storeIn(dir);
        List<Digest> blobs = fill(20, Instant.now().minus(Duration.ofDays(2)));
        Cleaner.Pass pass = cleaner(10, 20, Duration.ZERO).run(true);
        assertEquals(10, pass.pruned().links(), "the layer links of the 10 blobs it would delete");
        blobs.forEach(d -> assertTrue(Files.exists(layout.layerLink(repo, d))));
        assertTrue(
                printed.toString(StandardCharsets.UTF_8).contains("would remove 10 dangling links"),
                printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void firstPassRemovesLinksToBlobsDeletedByOtherMeans() throws Exception {
        storeIn(dir);
        List<Digest> blobs = fill(3, Instant.now().minus(Duration.ofDays(2)));
        Files.delete(layout.blobData(blobs.get(1)));
        Cleaner cleaner = cleaner(100, 20, Duration.ZERO);
        Cleaner.Pass pass = cleaner.run(false);
        assertEquals(0, pass.deleted());
        assertEquals(1, pass.pruned().links());
        assertFalse(Files.exists(layout.layerLink(repo, blobs.get(1))));
        assertTrue(Files.exists(layout.layerLink(repo, blobs.get(0))));
        assertTrue(Files.exists(layout.layerLink(repo, blobs.get(2))));
    }
}
