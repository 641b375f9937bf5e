package dev.registrycache.cleaner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.marks.Pin;
import dev.registrycache.common.marks.Pins;
import dev.registrycache.common.marks.Quarantine;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.common.settings.ByteSize;
import dev.registrycache.common.store.InMemoryDatastore;
import dev.registrycache.testsupport.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins against the cleaner's policy, on the in-memory datastore: a pinned image (an index, its
 * children, their blobs), older than anything else, stays through a pass that must evict, and
 * counts in the store's size; pins that alone exceed the max leave the store above it, with one
 * WARN; the pass's summary line and metrics show the pins and the quarantine.
 */
class CleanerPinsTest {
    private static final int SIZE = 100;
    private static final long MINUTE = 60_000;
    private static final long DAYS_AGO = 3 * 24 * 60;
    private static final RepositoryName REPO = RepositoryName.parse("quay.io/team/app");
    private static final Tag TAG = Tag.parse("v1");
    private static final Instant AT = Instant.parse("2026-12-05T10:00:00Z");

    @TempDir
    Path dir;

    private final long now = System.currentTimeMillis();
    private final TestClock clock = new TestClock(Instant.ofEpochMilli(now));
    private final InMemoryDatastore store = new InMemoryDatastore(clock);
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private int seed;

    /** A pinned image of two platforms, written long before anything else: its digests, index first. */
    private record PinnedImage(Digest index, Set<Digest> digests, long bytes) {}

    private PinnedImage pinnedIndex() throws IOException {
        long written = DAYS_AGO + 100;
        Set<Digest> all = new LinkedHashSet<>();
        List<Digest> children = new ArrayList<>();
        for (int platform = 0; platform < 2; platform++) {
            Digest config = blob(written);
            Digest layer1 = blob(written);
            Digest layer2 = blob(written);
            Digest child = manifest(
                    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                            + "\"config\":" + descriptor(config) + ",\"layers\":[" + descriptor(layer1) + ","
                            + descriptor(layer2) + "]}",
                    written);
            all.addAll(List.of(config, layer1, layer2, child));
            children.add(child);
        }
        Digest index = manifest(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                        + descriptor(children.get(0)) + "," + descriptor(children.get(1)) + "]}",
                written);
        all.add(index);
        store.tag(REPO, TAG, index);
        assertTrue(new Pins(store).add(new Pin(REPO, index, TAG.toString(), "admin", AT)));
        long bytes = all.stream().mapToLong(store::blobSize).sum();
        return new PinnedImage(index, all, bytes);
    }

    private static String descriptor(Digest d) {
        return "{\"digest\":\"" + d + "\",\"size\":" + SIZE + "}";
    }

    /** A blob of {@link #SIZE} bytes linked into the repository, written {@code minutesAgo}. */
    private Digest blob(long minutesAgo) throws IOException {
        byte[] bytes = ByteBuffer.allocate(SIZE).putInt(seed++).array();
        Digest d = Digest.sha256Of(bytes);
        store.putBlobAt(d, bytes, now - minutesAgo * MINUTE);
        store.linkLayer(REPO, d);
        return d;
    }

    private Digest manifest(String json, long minutesAgo) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256Of(bytes);
        store.putBlobAt(d, bytes, now - minutesAgo * MINUTE);
        store.linkManifest(REPO, d);
        return d;
    }

    /** Unpinned blobs, each a minute more recent than the one before, all younger than the pinned image. */
    private List<Digest> unpinned(int count) throws IOException {
        List<Digest> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(blob(DAYS_AGO - i));
        }
        return out;
    }

    private Cleaner cleaner(long maxBytes) {
        return new Cleaner(
                store,
                ByteSize.ofBytes(maxBytes),
                0,
                Duration.ofMinutes(10),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aPinnedImageSurvivesAPassThatMustEvictWhileOlderUnpinnedBlobsGo() throws IOException {
        PinnedImage pinned = pinnedIndex();
        List<Digest> others = unpinned(5);
        long max = pinned.bytes() + 2 * SIZE;

        Cleaner.Pass pass = cleaner(max).run(false);

        assertEquals(pinned.bytes() + 5 * SIZE, pass.before(), "pinned bytes count in the store's size");
        assertEquals(3, pass.deleted(), "the three oldest unpinned blobs, though the pinned ones are older");
        assertEquals(max, pass.after());
        for (Digest d : pinned.digests()) {
            assertTrue(store.blobSize(d) >= 0, "pinned " + d + " is kept");
        }
        for (int i = 0; i < others.size(); i++) {
            assertEquals(i >= 3, store.blobSize(others.get(i)) >= 0, "unpinned blob " + i);
        }
        // the prune after the deletions leaves the pinned image's links: its blobs are all stored
        assertEquals(pinned.index(), store.taggedDigest(REPO, TAG));
        for (Digest d : pinned.digests()) {
            assertTrue(store.layerLinked(REPO, d) || store.manifestLinked(REPO, d), "link of " + d);
        }
        assertTrue(
                printed().contains("pinned: 1 images, " + ByteSize.ofBytes(pinned.bytes())),
                "the summary shows the pins: " + printed());
    }

    @Test
    void pinsThatAloneExceedTheMaxLeaveTheStoreAboveItWithOneWarn() throws IOException {
        PinnedImage pinned = pinnedIndex();
        List<Digest> others = unpinned(3);
        Digest inGrace = blob(2);
        long max = pinned.bytes() / 2;

        String output = stdoutOf(() -> {
            Cleaner.Pass pass = cleaner(max).run(false);
            assertEquals(3, pass.deleted(), "everything else it may");
            assertEquals(pinned.bytes() + SIZE, pass.after());
        });

        others.forEach(d -> assertEquals(-1, store.blobSize(d)));
        assertEquals(SIZE, store.blobSize(inGrace), "used within the grace period");
        pinned.digests().forEach(d -> assertTrue(store.blobSize(d) >= 0, "pinned " + d + " is kept"));
        List<String> warnings =
                output.lines().filter(l -> l.contains("level=WARN")).toList();
        assertEquals(1, warnings.size(), output);
        assertTrue(
                warnings.get(0).contains("pins hold " + ByteSize.ofBytes(pinned.bytes()))
                        && warnings.get(0).contains("of max " + ByteSize.ofBytes(max)),
                warnings.get(0));
    }

    @Test
    void theMetricsOfAPassShowThePinsAndTheQuarantine() throws Exception {
        PinnedImage pinned = pinnedIndex();
        unpinned(2);
        Quarantines quarantines = new Quarantines(store);
        quarantines.add(new Quarantine(Digest.sha256Of(new byte[] {1}), "bad", "admin", AT));
        quarantines.add(new Quarantine(Digest.sha256Of(new byte[] {2}), "worse", "admin", AT));
        Path prom = dir.resolve("cleaner.prom");
        try (CleanerLease lease = new CleanerLease(store, "replica-a", Duration.ofMinutes(2), clock, false)) {
            CleaningLoop loop = new CleaningLoop(
                    cleaner(1L << 30), lease, Duration.ofMinutes(30), new Metrics(), prom, clock::nanoTime);
            loop.step();
        }
        List<String> lines = Files.readAllLines(prom);
        assertTrue(lines.contains("registry_cache_pinned_images 1"), String.join("\n", lines));
        assertTrue(lines.contains("registry_cache_pinned_bytes " + pinned.bytes()), String.join("\n", lines));
        assertTrue(lines.contains("registry_cache_quarantined_digests 2"), String.join("\n", lines));
    }

    /** What {@code body} printed on standard output, where the log lines go. */
    private static String stdoutOf(Runnable body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream before = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(before);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
