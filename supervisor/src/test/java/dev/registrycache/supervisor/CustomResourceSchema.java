package dev.registrycache.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One served version of a CustomResourceDefinition, read from the CRD's YAML as a cluster installs
 * it, and the checks the API server makes with its {@code openAPIV3Schema} when an object is
 * created: types, required fields, enumerations, patterns, {@code x-kubernetes-list-type: set}, and
 * fields the schema does not have being errors (kubectl's strict field validation). The object's
 * metadata is Kubernetes' own type, which {@link KubernetesManifests#checkMetadata} checks. A schema
 * keyword that this class does not check stops the test: a newer CRD cannot pass half checked.
 */
final class CustomResourceSchema {
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final Set<String> CHECKED_KEYWORDS = Set.of(
            "description", "type", "properties", "required", "items", "enum", "pattern", "x-kubernetes-list-type");
    private static final Set<String> LIST_TYPES = Set.of("atomic", "set");

    private final String apiVersion;
    private final String kind;
    private final JsonNode schema;

    private CustomResourceSchema(String apiVersion, String kind, JsonNode schema) {
        this.apiVersion = apiVersion;
        this.kind = kind;
        this.schema = schema;
        requireCheckedKeywords(schema, kind);
    }

    /** The served versions of the CRD in the class-path resource {@code resource}. */
    static List<CustomResourceSchema> fromResource(String resource) throws IOException {
        try (InputStream in = CustomResourceSchema.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + resource);
            }
            return fromYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        }
    }

    /** The served versions of the CRD {@code crdYaml}, which {@code name} names in errors. */
    static List<CustomResourceSchema> fromYaml(String crdYaml, String name) throws IOException {
        JsonNode crd = YAML.readTree(crdYaml);
        if (!crd.path("kind").asText().equals("CustomResourceDefinition")) {
            throw new IllegalStateException(name + " is no CustomResourceDefinition");
        }
        JsonNode spec = crd.path("spec");
        List<CustomResourceSchema> versions = new ArrayList<>();
        for (JsonNode version : spec.path("versions")) {
            if (version.path("served").asBoolean()) {
                versions.add(new CustomResourceSchema(
                        spec.path("group").asText() + "/" + version.path("name").asText(),
                        spec.path("names").path("kind").asText(),
                        version.path("schema").path("openAPIV3Schema")));
            }
        }
        return versions;
    }

    /** group/version, as an object's {@code apiVersion} names it. */
    String apiVersion() {
        return apiVersion;
    }

    String kind() {
        return kind;
    }

    /** Adds what is wrong with {@code object} (everything but its metadata) to {@code problems}. */
    void check(JsonNode object, String where, List<String> problems) {
        JsonNode withoutMetadata = object.isObject() ? ((ObjectNode) object.deepCopy()).without("metadata") : object;
        check(withoutMetadata, schema, where, problems);
    }

    private static void check(JsonNode value, JsonNode schema, String path, List<String> problems) {
        String type = schema.path("type").asText();
        if (!hasType(value, type)) {
            problems.add(path + ": must be of type " + type + ", is "
                    + value.getNodeType().name().toLowerCase(Locale.ROOT));
            return;
        }
        if (schema.has("enum") && !contains(schema.get("enum"), value)) {
            problems.add(path + ": " + value + " is not one of " + schema.get("enum"));
        }
        if (schema.has("pattern")
                && !Pattern.compile(schema.get("pattern").asText())
                        .matcher(value.asText())
                        .find()) {
            problems.add(path + ": '" + value.asText() + "' does not match the pattern "
                    + schema.get("pattern").asText());
        }
        if (value.isObject()) {
            objectFields(value, schema, path, problems);
        } else if (value.isArray()) {
            arrayItems(value, schema, path, problems);
        }
    }

    private static void objectFields(JsonNode value, JsonNode schema, String path, List<String> problems) {
        JsonNode properties = schema.path("properties");
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            if (field.getValue().isNull()) {
                continue; // the API server drops it
            }
            if (properties.has(field.getKey())) {
                check(field.getValue(), properties.get(field.getKey()), path + "." + field.getKey(), problems);
            } else {
                problems.add(path + ": field the schema does not have: " + field.getKey());
            }
        }
        for (JsonNode required : schema.path("required")) {
            if (value.path(required.asText()).isMissingNode()
                    || value.get(required.asText()).isNull()) {
                problems.add(path + ": " + required.asText() + " is required");
            }
        }
    }

    private static void arrayItems(JsonNode value, JsonNode schema, String path, List<String> problems) {
        Set<JsonNode> seen = new HashSet<>();
        for (int i = 0; i < value.size(); i++) {
            check(value.get(i), schema.get("items"), path + "[" + i + "]", problems);
            if (schema.path("x-kubernetes-list-type").asText().equals("set") && !seen.add(value.get(i))) {
                problems.add(path + ": " + value.get(i) + " is there twice, in a list that is a set");
            }
        }
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new IllegalStateException("schema type " + type + " is not checked here");
        };
    }

    private static boolean contains(JsonNode list, JsonNode value) {
        for (JsonNode item : list) {
            if (item.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static void requireCheckedKeywords(JsonNode schema, String path) {
        for (Map.Entry<String, JsonNode> keyword : schema.properties()) {
            if (!CHECKED_KEYWORDS.contains(keyword.getKey())) {
                throw new IllegalStateException(
                        path + ": the schema keyword " + keyword.getKey() + " is not checked here");
            }
        }
        if (schema.has("x-kubernetes-list-type")
                && !LIST_TYPES.contains(schema.get("x-kubernetes-list-type").asText())) {
            throw new IllegalStateException(path + ": x-kubernetes-list-type "
                    + schema.get("x-kubernetes-list-type").asText() + " is not checked here");
        }
        for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
            requireCheckedKeywords(property.getValue(), path + "." + property.getKey());
        }
        if (schema.has("items")) {
            requireCheckedKeywords(schema.get("items"), path + "[]");
        }
    }
}
