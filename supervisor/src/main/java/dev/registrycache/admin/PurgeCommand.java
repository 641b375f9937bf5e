package dev.registrycache.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.InvalidValueException;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code admin purge IMAGE} and {@code admin purge --repository REPOSITORY}. */
@Command(
        name = "purge",
        mixinStandardHelpOptions = true,
        description = {
            "Deletes an image or a whole repository from the cache.",
            "An image is a tag (quay.io/podman/hello:latest) or a manifest by digest "
                    + "(quay.io/podman/hello@sha256:...); --repository purges every tag and manifest of a repository. "
                    + "The blobs that nothing else in the cache uses go with them.",
            "A pinned image is not purged (409 DENIED): unpin it first."
        })
final class PurgeCommand extends AdminAction {
    @Parameters(
            arity = "0..1",
            paramLabel = "IMAGE",
            description = "the image, with its registry and a :tag or @digest")
    String image;

    @Option(
            names = "--repository",
            paramLabel = "REPOSITORY",
            description = "purge this repository, every tag and manifest of it (quay.io/podman/hello)")
    String repository;

    @Override
    AdminRequest request() {
        if ((image == null) == (repository == null)) {
            throw new InvalidValueException(
                    "give an image to purge (<registry>/<repository>:<tag> or @<digest>) or --repository "
                            + "<registry>/<repository>" + (image == null ? "" : ", not both"));
        }
        return image != null
                ? AdminRequest.purgeImage(AdminNames.image(image))
                : AdminRequest.purgeRepository(AdminNames.repository(repository));
    }

    @Override
    List<String> report(AdminAnswer answer, Instant now) {
        JsonNode purged = answer.json().path("purged");
        return List.of("purged " + (image != null ? image.strip() : repository.strip()) + ": "
                + Human.count(purged.path("tags"), "tag") + ", "
                + Human.count(purged.path("manifests"), "manifest") + ", "
                + Human.count(purged.path("layerLinks"), "layer link") + "; "
                + Human.count(purged.path("blobsDeleted"), "blob") + " deleted, "
                + Human.size(purged.path("bytesFreed")) + " freed");
    }
}
