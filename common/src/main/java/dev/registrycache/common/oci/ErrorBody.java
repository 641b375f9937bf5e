package dev.registrycache.common.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.registrycache.common.Json;
import java.nio.charset.StandardCharsets;

/** Renders the OCI error body {@code {"errors":[{"code","message","detail"}]}}. */
public final class ErrorBody {
    private ErrorBody() {}

    public static byte[] of(ErrorCode code, String message, Object detail) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode errors = root.putArray("errors");
        ObjectNode error = errors.addObject();
        error.put("code", code.name());
        error.put("message", message == null ? code.defaultMessage() : message);
        error.set("detail", Json.MAPPER.valueToTree(detail));
        try {
            return Json.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            return ("{\"errors\":[{\"code\":\"" + code.name() + "\"}]}").getBytes(StandardCharsets.UTF_8);
        }
    }

    public static byte[] of(RegistryException e) {
        return of(e.code(), e.getMessage(), e.detail());
    }
}
