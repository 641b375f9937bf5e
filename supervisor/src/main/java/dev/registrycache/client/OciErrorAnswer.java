package dev.registrycache.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.oci.ErrorCode;
import java.io.IOException;

/**
 * The first error of an OCI error body, {@code {"errors":[{"code","message","detail"}]}}, as the
 * cache sends with every refusal: what its clients tell the user.
 *
 * @param message the cache's words, or null when it gave none
 */
public record OciErrorAnswer(ErrorCode code, String message) {
    /** The first error in {@code body}, or null when the body is no OCI error body with a known code. */
    public static OciErrorAnswer read(byte[] body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("errors").path(0);
            ErrorCode code = ErrorCode.valueOf(error.path("code").asText());
            return new OciErrorAnswer(
                    code,
                    error.path("message").isTextual() ? error.path("message").asText() : null);
        } catch (IOException | IllegalArgumentException notAnOciError) {
            return null;
        }
    }

    /** The cache's words, else the code's own. */
    public String words() {
        return message == null || message.isBlank() ? code.defaultMessage() : message;
    }
}
