package dev.registrycache.common.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.registrycache.common.InvalidValueException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the cache needs of a manifest: its media type as distribution decides it, and the
 * digests it references (config and layers, or an index's child manifests). Read in one
 * streaming pass whose memory does not depend on the bytes (a JSON tree of a manifest full of
 * empty objects is many times its size): this holds one token, the parser's stack (at most
 * {@link #MAX_DEPTH} levels) and the references (at most {@link #MAX_REFERENCES}). Fields the
 * cache does not use are skipped unread, however large.
 */
public record ManifestSummary(String mediaType, List<Digest> blobs, List<Digest> manifests) {
    /** The largest manifest the cache reads, as distribution refuses larger ones. */
    public static final int MAX_BYTES = 4 * 1024 * 1024;
    /** More entries than this in {@code layers}, {@code manifests} or {@code fsLayers}: refused. */
    public static final int MAX_REFERENCES = 10_000;
    /** Deeper JSON nesting than this: refused. Real manifests nest 4 levels. */
    public static final int MAX_DEPTH = 64;
    /** Longest string value read (media types, digests); longer ones are not valid values. */
    private static final int MAX_STRING = 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(MAX_STRING)
                    .build())
            // field names are not interned: a manifest may hold millions of distinct ones
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build();

    private static final ManifestSummary NOT_A_MANIFEST = new ManifestSummary(null, List.of(), List.of());

    /**
     * The media type and references of {@code manifest}; a null media type and no references if
     * it is not a JSON object. Throws {@link ManifestLimitException} beyond the limits.
     */
    public static ManifestSummary read(byte[] manifest) {
        return new Reader(true).read(manifest);
    }

    /**
     * The media type of {@code manifest}, null if it is not a JSON object or has none to tell.
     * Throws {@link ManifestLimitException} beyond the limits, as {@link #read} does.
     */
    public static String mediaTypeOf(byte[] manifest) {
        return new Reader(false).read(manifest).mediaType();
    }

    /** One pass over one manifest. */
    private static final class Reader {
        private final boolean collect;
        private final List<Digest> blobs = new ArrayList<>();
        private final List<Digest> manifests = new ArrayList<>();
        private int references;
        private String mediaType;
        private int schemaVersion;
        private boolean signatures;
        private boolean hasManifests;
        private boolean hasConfig;

        Reader(boolean collect) {
            this.collect = collect;
        }

        ManifestSummary read(byte[] manifest) {
            try (JsonParser p = JSON.createParser(manifest)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return NOT_A_MANIFEST;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    topLevel(p, field, value);
                }
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    return NOT_A_MANIFEST;
                }
            } catch (StreamConstraintsException e) {
                throw new ManifestLimitException(
                        "the manifest's JSON is beyond what this cache reads (nesting deeper than " + MAX_DEPTH
                                + " levels, or a media type, digest or number too long)");
            } catch (IOException e) {
                return NOT_A_MANIFEST;
            }
            return new ManifestSummary(detectedType(), List.copyOf(blobs), List.copyOf(manifests));
        }

        private void topLevel(JsonParser p, String field, JsonToken value) throws IOException {
            switch (field) {
                case "mediaType" -> mediaType = value == JsonToken.VALUE_STRING ? p.getText() : skip(p, mediaType);
                case "schemaVersion" -> schemaVersion = value.isScalarValue() ? p.getValueAsInt(0) : skip(p, 0);
                case "signatures" -> signatures = skip(p, true);
                case "config" -> {
                    hasConfig = true;
                    descriptor(p, "digest", blobs);
                }
                case "manifests" -> {
                    hasManifests = true;
                    descriptors(p, field, "digest", manifests);
                }
                case "layers" -> descriptors(p, field, "digest", blobs);
                case "fsLayers" -> descriptors(p, field, "blobSum", blobs); // schema 1
                default -> p.skipChildren();
            }
        }

        /** Skips the current value (and what it holds); returns {@code result}. */
        private static <T> T skip(JsonParser p, T result) throws IOException {
            p.skipChildren();
            return result;
        }

        /** An array of descriptors, each an object whose {@code digestField} is noted. */
        private void descriptors(JsonParser p, String field, String digestField, List<Digest> into) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (++references > MAX_REFERENCES) {
                    throw new ManifestLimitException("the manifest's " + field + " has more than " + MAX_REFERENCES
                            + " entries; this cache serves manifests with at most " + MAX_REFERENCES + " references");
                }
                descriptor(p, digestField, into);
            }
        }

        /** One descriptor: its {@code digestField} is noted, the rest skipped. */
        private void descriptor(JsonParser p, String digestField, List<Digest> into) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (collect && name.equals(digestField) && value == JsonToken.VALUE_STRING) {
                    try {
                        into.add(Digest.parse(p.getText()));
                    } catch (InvalidValueException ignored) {
                        // a reference no store could hold
                    }
                } else {
                    p.skipChildren();
                }
            }
        }

        /** distribution's rule: the {@code mediaType} field, else schema 1, else the shape. */
        private String detectedType() {
            if (mediaType != null && !mediaType.isEmpty()) {
                return mediaType;
            }
            if (schemaVersion == 1) {
                return signatures ? MediaTypes.DOCKER_SCHEMA1_SIGNED : MediaTypes.DOCKER_SCHEMA1;
            }
            if (hasManifests) {
                return MediaTypes.OCI_INDEX;
            }
            return hasConfig ? MediaTypes.OCI_MANIFEST : null;
        }
    }
}
