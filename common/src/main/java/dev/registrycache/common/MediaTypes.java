package dev.registrycache.common;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.List;

/** The manifest media types a cache stores and serves, and how to tell them from the bytes. */
public final class MediaTypes {
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";

    /** What the node sends upstream in {@code Accept}: all four current types. */
    public static final List<String> ACCEPTED_MANIFESTS = List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST);

    private MediaTypes() {
    }

    /**
     * The media type of stored manifest bytes, as distribution decides it: the {@code mediaType}
     * field, else the shape (an index has {@code manifests}, an image has {@code config}),
     * else schema 1.
     */
    public static String detectManifestType(byte[] manifest) {
        try {
            JsonNode root = Json.MAPPER.readTree(manifest);
            if (root == null || !root.isObject()) {
                return null;
            }
            JsonNode mediaType = root.get("mediaType");
            if (mediaType != null && mediaType.isTextual() && !mediaType.asText().isEmpty()) {
                return mediaType.asText();
            }
            JsonNode schemaVersion = root.get("schemaVersion");
            if (schemaVersion != null && schemaVersion.asInt() == 1) {
                return root.has("signatures") ? DOCKER_SCHEMA1_SIGNED : DOCKER_SCHEMA1;
            }
            if (root.has("manifests")) {
                return OCI_INDEX;
            }
            if (root.has("config")) {
                return OCI_MANIFEST;
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    public static boolean isIndex(String mediaType) {
        return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
    }
}
