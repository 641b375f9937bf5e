package dev.registrycache.common.marks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A digest the operators quarantined (a manifest or a blob known to be bad): the cache never
 * serves it, never fetches it again, and answers a tag that resolves to it with the same refusal
 * rather than with an older digest. Who did it, when and why travel with it, so that a client's
 * error and the operators' list say the same.
 */
public record Quarantine(Digest digest, String reason, String by, Instant at) {
    public Quarantine {
        Objects.requireNonNull(digest);
        Objects.requireNonNull(by);
        Objects.requireNonNull(at);
        reason = reason == null ? "" : reason;
    }

    /** What a pulling client gets: 403 DENIED, naming the digest, the quarantine and its reason. */
    public RegistryException refusal() {
        return new RegistryException(
                ErrorCode.DENIED,
                digest + " is quarantined by the cache's administrators" + (reason.isEmpty() ? "" : ": " + reason),
                Map.of("digest", digest.toString(), "quarantined", at.toString()));
    }

    /** The record as the API and the store hold it. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("digest", digest.toString());
        json.put("reason", reason);
        json.put("by", by);
        json.put("at", at.toString());
        return json;
    }

    byte[] toBytes() throws IOException {
        return Json.MAPPER.writeValueAsBytes(toJson());
    }

    /** The record stored for {@code digest}; one that cannot be read still quarantines it. */
    static Quarantine fromBytes(Digest digest, byte[] bytes) {
        try {
            JsonNode json = Json.MAPPER.readTree(bytes);
            return new Quarantine(
                    digest,
                    json.path("reason").asText(""),
                    json.path("by").asText("?"),
                    Instant.parse(json.path("at").asText()));
        } catch (IOException | RuntimeException e) {
            return new Quarantine(digest, "(its record cannot be read)", "?", Instant.EPOCH);
        }
    }
}
