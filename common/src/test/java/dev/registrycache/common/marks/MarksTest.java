package dev.registrycache.common.marks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.common.store.InMemoryDatastore;
import dev.registrycache.common.store.Mark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarksTest {
    static final RepositoryName REPO = RepositoryName.parse("quay.io/team/app");
    static final Instant AT = Instant.parse("2026-12-05T10:00:00Z");

    final InMemoryDatastore store = new InMemoryDatastore();

    Digest put(String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256Of(bytes);
        store.putBlob(REPO, d, bytes);
        return d;
    }

    String image(Digest config, Digest... layers) {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":\"" + config
                + "\",\"size\":100},\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"digest\":\"")
                    .append(layers[i])
                    .append("\",\"size\":1000}");
        }
        return json.append("]}").toString();
    }

    @Test
    void aQuarantinedDigestIsRefusedWithItsReasonUntilReleased() throws Exception {
        Quarantines quarantines = new Quarantines(store);
        Digest bad = Digest.sha256Of(new byte[] {1});
        quarantines.refuseIfQuarantined(bad);
        assertTrue(quarantines.add(new Quarantine(bad, "CVE-2026-1", "alice", AT)));
        assertFalse(quarantines.add(new Quarantine(bad, "again", "bob", AT.plusSeconds(5))));
        RegistryException e = assertThrows(RegistryException.class, () -> quarantines.refuseIfQuarantined(bad));
        assertEquals(ErrorCode.DENIED, e.code());
        assertTrue(
                e.getMessage().contains(bad.toString())
                        && e.getMessage().contains("quarantined")
                        && e.getMessage().contains("CVE-2026-1"),
                e.getMessage());
        assertEquals(Map.of("digest", bad.toString(), "quarantined", AT.toString()), e.detail());
        assertEquals(List.of(new Quarantine(bad, "CVE-2026-1", "alice", AT)), quarantines.all());
        assertEquals(Optional.of(new Quarantine(bad, "CVE-2026-1", "alice", AT)), quarantines.release(bad));
        assertEquals(Optional.empty(), quarantines.release(bad));
        quarantines.refuseIfQuarantined(bad);
    }

    @Test
    void anUnreadableQuarantineRecordStillQuarantines() throws Exception {
        Digest bad = Digest.sha256Of(new byte[] {2});
        store.putMark(Mark.QUARANTINE, Mark.keyOf(bad), "not json".getBytes(StandardCharsets.UTF_8));
        assertThrows(RegistryException.class, () -> new Quarantines(store).refuseIfQuarantined(bad));
        assertEquals(1, new Quarantines(store).all().size());
    }

    @Test
    void imageContentsFollowAnIndexToItsChildrenAndTheirBlobsAndCountWhatIsMissing() throws Exception {
        Digest config = put("config");
        Digest layer = put("layer");
        Digest absentLayer = Digest.sha256Of(new byte[] {9});
        Digest child = put(image(config, layer, absentLayer));
        Digest absentChild = Digest.sha256Of(new byte[] {8});
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"digest\":\"" + child + "\",\"size\":300},{\"digest\":\"" + absentChild + "\",\"size\":400}]}";
        Digest root = put(index);
        ImageContents contents = ImageContents.of(store, root);
        assertEquals("application/vnd.oci.image.index.v1+json", contents.mediaType());
        assertEquals(Set.of(root, child, absentChild), contents.manifests());
        assertEquals(Set.of(config, layer, absentLayer), contents.blobs());
        assertEquals(2, contents.missing());
        assertEquals(index.length() + 700 + 2100, contents.declaredBytes());
        long stored = store.blobSize(root) + store.blobSize(child) + store.blobSize(config) + store.blobSize(layer);
        assertEquals(stored, contents.storedBytes());
    }

    @Test
    void pinsAreKeptPerRepositoryAndDigestAndProtectTheWholeImage() throws Exception {
        Pins pins = new Pins(store);
        Digest config = put("config");
        Digest layer = put("layer");
        Digest manifest = put(image(config, layer));
        RepositoryName other = RepositoryName.parse("docker.io/library/other");
        assertTrue(pins.add(new Pin(REPO, manifest, "latest", "alice", AT)));
        assertFalse(pins.add(new Pin(REPO, manifest, "v1", "bob", AT)));
        assertTrue(pins.add(new Pin(other, manifest, null, "bob", AT)));
        assertEquals(2, pins.all().size());
        assertEquals("latest", pins.find(REPO, manifest).orElseThrow().reference());
        assertEquals(
                manifest.toString(), pins.find(other, manifest).orElseThrow().reference());
        Pins.Protected kept = pins.protectedContent();
        assertEquals(2, kept.pins());
        assertEquals(Set.of(manifest, config, layer), kept.digests());
        assertEquals(store.blobSize(manifest) + store.blobSize(config) + store.blobSize(layer), kept.storedBytes());
        assertTrue(pins.remove(REPO, manifest).isPresent());
        assertTrue(pins.remove(REPO, manifest).isEmpty());
        assertEquals(1, pins.all().size());
    }

    /** On a file system a read moves the access time (relatime: when it is older than the write). */
    @Test
    void readingAnImagesManifestsIsNotAUse(@TempDir Path dir) throws Exception {
        FileDatastore files = new FileDatastore(dir);
        byte[] bytes = image(Digest.sha256Of(new byte[] {7})).getBytes(StandardCharsets.UTF_8);
        Digest manifest = Digest.sha256Of(bytes);
        files.putBlob(REPO, manifest, bytes);
        files.recordUse(manifest, Instant.now().minusSeconds(3600), true);
        long before = files.lastUse(manifest);
        Thread.sleep(20); // so that a read's access time differs from the write's
        ImageContents.of(files, manifest);
        assertEquals(before, files.lastUse(manifest));
    }
}
