package dev.registrycache.common.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.common.store.StoreKeys.Entry;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StoreLayoutTest {
    private static final String HEX = "28490acdbdfe37ef27ba0a49bca5ba9724f44f134f88f8079724780349ce7286";
    private static final String HEX512 = "0f".repeat(64);
    private final StoreLayout layout = new StoreLayout(Path.of("/var/lib/registry"));
    private final Digest digest = Digest.parse("sha256:" + HEX);
    private final Digest sha512 = Digest.parse("sha512:" + HEX512);
    private final RepositoryName repo = RepositoryName.parse("quay.io/podman/hello");
    private final Tag latest = Tag.parse("latest");
    private final UUID upload = UUID.fromString("00000000-0000-0000-0000-000000000001");
    private final String v2 = "/var/lib/registry/docker/registry/v2/";
    private final String hello = v2 + "repositories/quay.io/podman/hello/";

    /** Every kind of file, both ways: the object's exact path, and the path back to the object. */
    @Test
    void mapsEveryObjectToDistributionsExactPathAndBack() {
        Object[][] table = {
            {Entry.blob(digest), v2 + "blobs/sha256/28/" + HEX + "/data"},
            {Entry.blob(sha512), v2 + "blobs/sha512/0f/" + HEX512 + "/data"},
            {Entry.layerLink(repo, digest), hello + "_layers/sha256/" + HEX + "/link"},
            {Entry.revisionLink(repo, digest), hello + "_manifests/revisions/sha256/" + HEX + "/link"},
            {Entry.tagCurrentLink(repo, latest), hello + "_manifests/tags/latest/current/link"},
            {Entry.tagIndexLink(repo, latest, digest), hello + "_manifests/tags/latest/index/sha256/" + HEX + "/link"},
            {Entry.upload(repo, upload), hello + "_uploads/" + upload + "/data"},
            {
                Entry.layerLink(RepositoryName.parse("docker.io/library/alpine"), digest),
                v2 + "repositories/docker.io/library/alpine/_layers/sha256/" + HEX + "/link"
            },
        };
        for (Object[] row : table) {
            Entry entry = (Entry) row[0];
            assertEquals(row[1], layout.pathOf(entry).toString(), entry.toString());
            assertEquals(Optional.of(entry), layout.parse(Path.of((String) row[1])), (String) row[1]);
        }
    }

    @Test
    void namedMethodsGiveTheSamePaths() {
        String[][] table = {
            {layout.blobData(digest).toString(), v2 + "blobs/sha256/28/" + HEX + "/data"},
            {layout.layerLink(repo, digest).toString(), hello + "_layers/sha256/" + HEX + "/link"},
            {
                layout.manifestRevisionLink(repo, digest).toString(),
                hello + "_manifests/revisions/sha256/" + HEX + "/link"
            },
            {layout.tagCurrentLink(repo, latest).toString(), hello + "_manifests/tags/latest/current/link"},
            {
                layout.tagIndexLink(repo, latest, digest).toString(),
                hello + "_manifests/tags/latest/index/sha256/" + HEX + "/link"
            },
            {layout.uploadData(repo, upload).toString(), hello + "_uploads/" + upload + "/data"},
            {layout.tagsDir(repo).toString(), hello + "_manifests/tags"},
            {layout.uploadsDir(repo).toString(), hello + "_uploads"},
            {layout.blobsRoot().toString(), v2 + "blobs"},
            {layout.repositoriesRoot().toString(), v2 + "repositories"},
        };
        for (String[] row : table) {
            assertEquals(row[1], row[0]);
        }
    }

    @Test
    void walkersHelpersNameTheObjectsOfAFolder() {
        String manifests = StoreKeys.join(StoreKeys.repository(repo), StoreKeys.MANIFESTS);
        String tag = StoreKeys.join(manifests, StoreKeys.TAGS, "latest");
        assertEquals(StoreKeys.tagCurrentLink(repo, latest), StoreKeys.currentLinkOfTag(tag));
        assertEquals(
                StoreKeys.tagIndexLink(repo, latest, digest),
                StoreKeys.linkIn(StoreKeys.join(StoreKeys.indexOfTag(tag), "sha256", HEX)));
        assertEquals(
                StoreKeys.manifestRevisionLink(repo, digest),
                StoreKeys.linkIn(StoreKeys.join(manifests, StoreKeys.REVISIONS, "sha256", HEX)));
        assertEquals(StoreKeys.blobData(digest), StoreKeys.dataIn(StoreKeys.blobDir(digest)));
        assertEquals(layout.blobData(digest), StoreLayout.dataIn(layout.blobDir(digest)));
        assertEquals(layout.at(StoreKeys.uploadData(repo, upload)), layout.uploadData(repo, upload));
        assertEquals(StoreKeys.uploadData(repo, upload), layout.keyOf(layout.uploadData(repo, upload)));
        assertEquals("a/b", StoreKeys.parent("a/b/c"));
        assertEquals("c", StoreKeys.name("a/b/c"));
        assertEquals("", StoreKeys.parent("c"));
    }

    @Test
    void pathsTheLayoutDoesNotProduceParseToNothing() {
        String[] paths = {
            "/elsewhere/docker/registry/v2/blobs/sha256/28/" + HEX + "/data",
            v2 + "blobs/sha256/29/" + HEX + "/data", // wrong prefix folder
            v2 + "blobs/sha256/28/" + HEX.toUpperCase() + "/data",
            v2 + "blobs/sha256/28/" + HEX.substring(1) + "/data",
            v2 + "blobs/md5/28/" + HEX + "/data",
            v2 + "blobs/sha256/28/" + HEX + "/link",
            v2 + "blobs/sha256/28/" + HEX,
            hello + "_layers/sha256/" + HEX + "/data",
            hello + "_layers/sha256/" + HEX,
            hello + "_manifests/revisions/sha256/" + HEX + "/extra/link",
            hello + "_manifests/tags/-bad/current/link",
            hello + "_manifests/tags/latest/index/sha256/xyz/link",
            hello + "_uploads/not-a-uuid/data",
            hello + "_unknown/sha256/" + HEX + "/link",
            v2 + "repositories/_layers/sha256/" + HEX + "/link", // no repository
            v2 + "repositories/Upper/_layers/sha256/" + HEX + "/link",
            v2 + "repositories/quay.io/podman/hello",
            v2 + "blobs/sha256/28/../28/" + HEX + "/../../../../repositories",
        };
        for (String p : paths) {
            assertEquals(Optional.empty(), layout.parse(Path.of(p)), p);
        }
    }

    @Test
    void onlyDigestNamesGiveAHash() {
        assertNull(StoreLayout.hashOf("sha256", "AB".repeat(32)), "upper case is not a digest name");
        assertNull(StoreLayout.hashOf("sha256", "ab".repeat(31)));
        assertNull(StoreLayout.hashOf("md5", "ab".repeat(16)));
        assertEquals(32, StoreLayout.hashOf("sha256", "ab".repeat(32)).length);
        assertArrayEquals(new byte[64], StoreLayout.hashOf("sha512", "00".repeat(64)));
    }

    @Test
    void relativeDataDirBecomesAbsolute() {
        StoreLayout relative = new StoreLayout(Path.of("data"));
        assertEquals(
                Path.of("data").toAbsolutePath().resolve("docker/registry/v2").normalize(), relative.root());
        assertEquals(
                Optional.of(Entry.blob(digest)),
                relative.parse(Path.of("data").resolve("docker/registry/v2/blobs/sha256/28/" + HEX + "/data")));
    }
}
