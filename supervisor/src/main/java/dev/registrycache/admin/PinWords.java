package dev.registrycache.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.oci.Digest;

/** How a pin of the admin API reads, in the answers of {@code pin}, {@code unpin} and {@code pins}. */
final class PinWords {
    private PinWords() {}

    /** {@code quay.io/podman/hello:latest} for a pin by tag, {@code quay.io/podman/hello@sha256:...} by digest. */
    static String image(JsonNode pin) {
        String repository = Human.text(pin.path("repository"));
        String reference = pin.path("reference").asText("");
        return reference.isEmpty() || Digest.looksLikeDigest(reference)
                ? repository + "@" + Human.text(pin.path("digest"))
                : repository + ":" + reference;
    }

    /** {@code sha256:..., 3 blobs, 12.3 MiB}. */
    static String content(JsonNode pin) {
        return Human.text(pin.path("digest")) + ", " + Human.count(pin.path("blobs"), "blob") + ", "
                + Human.size(pin.path("bytes"));
    }
}
