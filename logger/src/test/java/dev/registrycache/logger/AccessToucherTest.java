package dev.registrycache.logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.logdir.AccessLogFormat;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ManifestSummary;
import dev.registrycache.common.store.InMemoryDatastore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What uses do to the blobs' last uses, on the datastore in memory: the logger's rules without files. */
class AccessToucherTest {
    private static final Instant OLD = Instant.parse("2020-01-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

    private final InMemoryDatastore store = new InMemoryDatastore();
    private final Metrics metrics = new Metrics();
    private final Skips skips = new Skips(LoggerMetrics.in(metrics));
    private final AccessToucher toucher = new AccessToucher(store, skips);

    /** A blob written long ago and not used since. */
    private Digest blob(String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256Of(bytes);
        store.putBlobAt(d, bytes, OLD.toEpochMilli());
        return d;
    }

    private static String manifest(Digest config, Digest... layers) {
        StringBuilder json =
                new StringBuilder("{\"schemaVersion\":2,\"config\":{\"digest\":\"" + config + "\"},\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"digest\":\"")
                    .append(layers[i])
                    .append("\"}");
        }
        return json.append("]}").toString();
    }

    private static String index(List<Digest> children) {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"manifests\":[");
        for (int i = 0; i < children.size(); i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"digest\":\"")
                    .append(children.get(i))
                    .append("\"}");
        }
        return json.append("]}").toString();
    }

    private void use(String kind, Digest d, Instant time) {
        toucher.accept(new AccessLogFormat.Access(time, kind, d, 200));
        toucher.flush();
    }

    private Instant lastUse(Digest d) {
        return Instant.ofEpochMilli(store.lastUse(d));
    }

    @Test
    void aBlobUseMovesItsLastUseAndARepeatWithinSecondsIsNotRecordedAgain() {
        Digest layer = blob("layer");
        Digest other = blob("other");
        use("blob", layer, NOW);
        assertEquals(NOW, lastUse(layer));
        assertEquals(OLD, lastUse(other));
        assertEquals(1, toucher.touches());
        use("blob", layer, NOW.plusSeconds(1));
        assertEquals(1, toucher.touches(), "pulls repeat digests: once per 5 s of log time");
        use("blob", layer, NOW.plusSeconds(10));
        assertEquals(NOW.plusSeconds(10), lastUse(layer));
        assertEquals(2, toucher.touches());
    }

    @Test
    void aManifestUseAlsoCountsForItsConfigLayersAndAnIndexsChildManifests() {
        Digest config = blob("config");
        Digest layer = blob("layer");
        Digest child = blob(manifest(config, layer));
        Digest index = blob(index(List.of(child)));
        Digest lonely = blob("unused");
        use("manifest", index, NOW);
        for (Digest d : List.of(index, child, config, layer)) {
            assertEquals(NOW, lastUse(d), d.toString());
        }
        assertEquals(OLD, lastUse(lonely));
        assertEquals(0, skips.count());
    }

    @Test
    void anOlderUseNeverMovesTheLastUseBack() {
        Digest config = blob("config");
        Digest layer = blob("layer");
        Digest image = blob(manifest(config, layer));
        use("manifest", image, NOW);
        use("manifest", image, NOW.minusSeconds(3600));
        use("blob", layer, NOW.minusSeconds(3600));
        for (Digest d : List.of(image, config, layer)) {
            assertEquals(NOW, lastUse(d), d.toString());
        }
        AccessToucher restarted = new AccessToucher(store, skips);
        restarted.accept(new AccessLogFormat.Access(NOW.minusSeconds(60), "blob", layer, 200));
        restarted.flush();
        assertEquals(NOW, lastUse(layer), "nothing remembered: the datastore keeps the later use");
    }

    @Test
    void aMissingBlobIsNotAnErrorAndWhatIsStoredIsStillTouched() {
        Digest gone = Digest.sha256Of("gone".getBytes(StandardCharsets.UTF_8));
        Digest config = blob("config");
        Digest image = blob(manifest(config, gone));
        use("blob", gone, NOW);
        use("manifest", Digest.sha256Of("no manifest".getBytes(StandardCharsets.UTF_8)), NOW);
        use("manifest", image, NOW);
        assertEquals(NOW, lastUse(image));
        assertEquals(NOW, lastUse(config));
        assertEquals(0, skips.count());
        assertEquals(2, toucher.touches(), "the image and its config: recordUse of a missing blob is not counted");
    }

    @Test
    void aManifestBeyondTheLimitsIsTouchedButNotFollowedAndIsReadOnce() {
        Digest config = blob("config");
        Digest layer = blob("layer");
        Digest[] layers = new Digest[ManifestSummary.MAX_REFERENCES + 1];
        Arrays.fill(layers, layer);
        Digest tooMany = blob(manifest(config, layers));
        use("manifest", tooMany, NOW);
        assertEquals(NOW, lastUse(tooMany));
        assertEquals(OLD, lastUse(config));
        assertEquals(1, skips.count());
        use("manifest", tooMany, NOW.plusSeconds(60));
        assertEquals(NOW.plusSeconds(60), lastUse(tooMany));
        assertEquals(1, skips.count(), "remembered as having nothing to follow, not read again");
        assertTrue(
                metrics.render().contains("registry_cache_logger_skipped_total{reason=\"manifest_beyond_limits\"} 1"),
                metrics.render());
    }

    @Test
    void aBlobTooLargeToBeAManifestIsTouchedButNotRead() {
        Digest layer = blob("layer");
        Digest large = blob(manifest(blob("config"), layer) + " ".repeat(ManifestSummary.MAX_BYTES));
        use("manifest", large, NOW);
        assertEquals(NOW, lastUse(large));
        assertEquals(OLD, lastUse(layer));
    }

    @Test
    void aUseReachingMoreBlobsThanItsBudgetIsCutShortAndCountedOnce() {
        Digest config = blob("config");
        Digest layer = blob("layer");
        Digest[] layers = new Digest[4_000];
        Arrays.fill(layers, layer);
        List<Digest> children = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            children.add(blob(manifest(config, layers) + " ".repeat(i)));
        }
        Digest top = blob(index(children));
        use("manifest", top, NOW);
        assertEquals(NOW, lastUse(top));
        assertEquals(NOW, lastUse(children.get(2)), "the third reached with 8,005 touches (its layers are cut short)");
        assertEquals(OLD, lastUse(children.get(3)), "past 10,000 touches");
        assertEquals(1, skips.count());
    }

    @Test
    void aUseReadingMoreManifestBytesThanItsBudgetStopsFollowingAndIsCountedOnce() {
        Digest config = blob("config");
        List<Digest> children = new ArrayList<>();
        List<Digest> layers = new ArrayList<>();
        String padding =
                " ".repeat(ManifestSummary.MAX_BYTES - 1024); // four fit in the 16 MiB a use may read, not five
        for (int i = 0; i < 6; i++) {
            layers.add(blob("layer " + i));
            children.add(blob(manifest(config, layers.get(i)) + padding));
        }
        Digest top = blob(index(children));
        use("manifest", top, NOW);
        for (int i = 0; i < 4; i++) {
            assertEquals(NOW, lastUse(layers.get(i)), "read: " + i);
        }
        for (int i = 4; i < 6; i++) {
            assertEquals(NOW, lastUse(children.get(i)), "touched though not read: " + i);
            assertEquals(OLD, lastUse(layers.get(i)), "not followed: " + i);
        }
        assertEquals(1, skips.count());
        assertTrue(
                metrics.render().contains("registry_cache_logger_skipped_total{reason=\"use_over_budget\"} 1"),
                metrics.render());
    }
}
