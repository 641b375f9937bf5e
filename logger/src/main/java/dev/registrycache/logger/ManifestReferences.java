package dev.registrycache.logger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Digest;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The digests a manifest points at: its config and layers, or for an index its child manifests. */
final class ManifestReferences {
    private ManifestReferences() {
    }

    record References(List<Digest> blobs, List<Digest> manifests) {
    }

    static References of(byte[] manifest) {
        List<Digest> blobs = new ArrayList<>();
        List<Digest> manifests = new ArrayList<>();
        try {
            JsonNode root = Json.MAPPER.readTree(manifest);
            if (root == null) {
                return new References(blobs, manifests);
            }
            add(blobs, root.path("config").path("digest"));
            for (JsonNode layer : root.path("layers")) {
                add(blobs, layer.path("digest"));
            }
            for (JsonNode child : root.path("manifests")) {
                add(manifests, child.path("digest"));
            }
            for (JsonNode layer : root.path("fsLayers")) { // schema 1
                add(blobs, layer.path("blobSum"));
            }
        } catch (IOException e) {
            // not JSON: nothing referenced
        }
        return new References(List.copyOf(blobs), List.copyOf(manifests));
    }

    private static void add(List<Digest> into, JsonNode digest) {
        if (digest.isTextual()) {
            try {
                into.add(Digest.parse(digest.asText()));
            } catch (InvalidValueException ignored) {
                // a reference we could not store anyway
            }
        }
    }
}
