package dev.registrycache.common;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StoreLayoutTest {
    private static final String HEX = "28490acdbdfe37ef27ba0a49bca5ba9724f44f134f88f8079724780349ce7286";
    private final StoreLayout layout = new StoreLayout(Path.of("/var/lib/registry"));
    private final Digest digest = Digest.parse("sha256:" + HEX);
    private final RepositoryName repo = RepositoryName.parse("quay.io/podman/hello");
    private final String v2 = "/var/lib/registry/docker/registry/v2/";

    @Test
    void mapsEveryObjectToDistributionsExactPath() {
        String[][] table = {
            {layout.blobData(digest).toString(), v2 + "blobs/sha256/28/" + HEX + "/data"},
            {layout.layerLink(repo, digest).toString(), v2 + "repositories/quay.io/podman/hello/_layers/sha256/" + HEX + "/link"},
            {layout.manifestRevisionLink(repo, digest).toString(),
                v2 + "repositories/quay.io/podman/hello/_manifests/revisions/sha256/" + HEX + "/link"},
            {layout.tagCurrentLink(repo, Tag.parse("latest")).toString(),
                v2 + "repositories/quay.io/podman/hello/_manifests/tags/latest/current/link"},
            {layout.tagIndexLink(repo, Tag.parse("latest"), digest).toString(),
                v2 + "repositories/quay.io/podman/hello/_manifests/tags/latest/index/sha256/" + HEX + "/link"},
            {layout.tagsDir(repo).toString(), v2 + "repositories/quay.io/podman/hello/_manifests/tags"},
            {layout.blobsRoot().toString(), v2 + "blobs"},
            {layout.repositoriesRoot().toString(), v2 + "repositories"},
        };
        for (String[] row : table) {
            assertEquals(row[1], row[0]);
        }
    }

    @Test
    void relativeDataDirBecomesAbsolute() {
        StoreLayout relative = new StoreLayout(Path.of("data"));
        assertEquals(Path.of("data").toAbsolutePath().resolve("docker/registry/v2").normalize(), relative.root());
    }

    @Test
    void uploadsLiveInsideTheRepository() {
        var id = java.util.UUID.fromString("00000000-0000-0000-0000-000000000001");
        assertEquals(v2 + "repositories/quay.io/podman/hello/_uploads/" + id + "/data", layout.uploadData(repo, id).toString());
    }
}
