package dev.registrycache.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes built images in the on-disk layouts skopeo reads ({@code oci:} and {@code dir:}), the
 * route by which a test pushes with a real client instead of our own HTTP code.
 */
final class ImageLayouts {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String REF_NAME = "org.opencontainers.image.ref.name";

    private ImageLayouts() {}

    static void writeOci(ImageArtifact artifact, Path dir, String tag) {
        try {
            Path blobs = dir.resolve("blobs").resolve("sha256");
            Files.createDirectories(blobs);
            for (Blob blob : everyBlob(artifact)) {
                Path target = blobs.resolve(blob.hex());
                if (!Files.exists(target) || Files.size(target) != blob.size()) {
                    blob.copyTo(target);
                }
            }
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            List<Object> entries = new ArrayList<>();
            Path indexFile = dir.resolve("index.json");
            if (Files.exists(indexFile)) {
                for (JsonNode entry : JSON.readTree(indexFile.toFile()).path("manifests")) {
                    if (!tag.equals(entry.path("annotations").path(REF_NAME).asText(null))) {
                        entries.add(entry);
                    }
                }
            }
            Map<String, Object> descriptor = artifact.manifest().descriptorJson();
            descriptor.put("annotations", Map.of(REF_NAME, tag));
            entries.add(descriptor);
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("schemaVersion", 2);
            index.put("mediaType", TestMediaTypes.OCI_INDEX);
            index.put("manifests", entries);
            Files.write(indexFile, JSON.writeValueAsBytes(index));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write an OCI layout in " + dir, e);
        }
    }

    static void writeDir(ImageArtifact artifact, Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("version"), "Directory Transport Version: 1.1\n", StandardCharsets.US_ASCII);
            for (Blob blob : artifact.blobs()) {
                blob.copyTo(dir.resolve(blob.hex()));
            }
            for (Blob manifest : artifact.manifests()) {
                if (manifest != artifact.manifest()) {
                    manifest.copyTo(dir.resolve(manifest.hex() + ".manifest.json"));
                }
            }
            artifact.manifest().copyTo(dir.resolve("manifest.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a dir: layout in " + dir, e);
        }
    }

    private static List<Blob> everyBlob(ImageArtifact artifact) {
        List<Blob> all = new ArrayList<>(artifact.blobs());
        all.addAll(artifact.manifests());
        return all;
    }
}
