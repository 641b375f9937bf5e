package dev.registrycache.common.marks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An image the operators pinned: the cleaner keeps its manifests and blobs (an index's children
 * too) whatever their last use. A pin names the digest, so that a tag moved upstream does not
 * move what is kept; {@code reference} is what the operator named (a tag or the digest).
 */
public record Pin(RepositoryName repository, Digest digest, String reference, String by, Instant at) {
    public Pin {
        Objects.requireNonNull(repository);
        Objects.requireNonNull(digest);
        Objects.requireNonNull(by);
        Objects.requireNonNull(at);
        reference = reference == null ? digest.toString() : reference;
    }

    /** The store key of the pin of {@code digest} in {@code repository}: a hash of the two, as names may be long. */
    static String keyOf(RepositoryName repository, Digest digest) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((repository + "@" + digest).getBytes(StandardCharsets.UTF_8));
            return "pin-" + HexFormat.of().formatHex(hash);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("repository", repository.toString());
        json.put("digest", digest.toString());
        json.put("reference", reference);
        json.put("by", by);
        json.put("at", at.toString());
        return json;
    }

    byte[] toBytes() throws IOException {
        return Json.MAPPER.writeValueAsBytes(toJson());
    }

    /** The pin a stored record holds; null if it cannot be read (then it protects nothing it cannot name). */
    static Pin fromBytes(byte[] bytes) {
        try {
            JsonNode json = Json.MAPPER.readTree(bytes);
            return new Pin(
                    RepositoryName.parse(json.path("repository").asText()),
                    Digest.parse(json.path("digest").asText()),
                    json.path("reference").asText(null),
                    json.path("by").asText("?"),
                    Instant.parse(json.path("at").asText()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
