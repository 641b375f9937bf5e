package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Content that is stored already is served even when its links cannot be written (a full disk,
 * here a file standing where the repository's folder would go): a write error must not turn a hit
 * into a 500.
 */
@Tag("e2e")
class LinkWriteFailureE2ETest {
    @Test
    void storedContentIsServedWhenItsLinksCannotBeWritten() throws Exception {
        Image image =
                OciImages.image().oci().seed(93).layers(1).layerSize(50_000).build();
        try (UpstreamRegistry upstream = UpstreamRegistry.plain();
                NodeFixture node = new NodeFixture("quay.io", upstream.baseUrl(), null)) {
            upstream.push(image, "team/app", "v1");
            upstream.push(image, "team/copy", "v1");
            RegistryClient client = node.client();
            assertEquals(200, client.getManifest("quay.io/team/app", "v1").status());
            assertEquals(
                    image.layer(0).digest(),
                    client.blobSha256("quay.io/team/app", image.layer(0).digest()));
            // no folder can be made for team/copy: every link or tag write there fails
            Path copy = node.dataDir.resolve("docker/registry/v2/repositories/quay.io/team/copy");
            Files.createDirectories(copy.getParent());
            Files.writeString(copy, "in the way");

            RegistryClient.Response blob =
                    client.get("/v2/quay.io/team/copy/blobs/" + image.layer(0).digest());
            assertEquals(200, blob.status(), blob.toString());
            assertEquals(image.layer(0).digest(), blob.sha256());
            assertEquals(
                    200,
                    client.getManifest("quay.io/team/copy", "v1").status(),
                    "by tag: the tag cannot be written either");
            assertEquals(
                    200,
                    client.getManifest("quay.io/team/copy", image.manifest().digest())
                            .status(),
                    "by digest");
        }
    }
}
