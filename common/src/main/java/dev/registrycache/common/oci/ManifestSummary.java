package dev.registrycache.common.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.registrycache.common.InvalidValueException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the cache needs of a manifest: its media type as distribution decides it, and the
 * digests it references (config and layers, or an index's child manifests with their
 * platforms), with the sum of the sizes their descriptors declare. Read in one
 * streaming pass whose memory does not depend on the bytes (a JSON tree of a manifest full of
 * empty objects is many times its size): this holds one token, the parser's stack (at most
 * {@link #MAX_DEPTH} levels) and the references (at most {@link #MAX_REFERENCES}). Fields the
 * cache does not use are skipped unread, however large.
 */
public record ManifestSummary(String mediaType, List<Digest> blobs, List<Entry> entries, long referencedBytes) {
    /** An index's child manifest, with the platform it names (null when none). */
    public record Entry(Digest digest, Platform platform) {}

    /** Without the sizes: for what only follows references. */
    public ManifestSummary(String mediaType, List<Digest> blobs, List<Entry> entries) {
        this(mediaType, blobs, entries, 0);
    }

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

    private static final Set<String> PLATFORM_FIELDS = Set.of("os", "architecture", "variant");

    private static final ManifestSummary NOT_A_MANIFEST = new ManifestSummary(null, List.of(), List.of());

    /** The digests of an index's child manifests, in its order. */
    public List<Digest> manifests() {
        return entries.stream().map(Entry::digest).toList();
    }

    /** The first of an index's child manifests that is an image for {@code wanted}, or null. */
    public Digest manifestFor(Platform wanted) {
        for (Entry entry : entries) {
            if (entry.platform() != null && wanted.admits(entry.platform())) {
                return entry.digest();
            }
        }
        return null;
    }

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
        private final List<Entry> manifests = new ArrayList<>();
        private int references;
        private long referencedBytes;
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
            return new ManifestSummary(detectedType(), List.copyOf(blobs), List.copyOf(manifests), referencedBytes);
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
                    descriptors(p, field, this::indexEntry);
                }
                case "layers" -> descriptors(p, field, e -> descriptor(e, "digest", blobs));
                case "fsLayers" -> descriptors(p, field, e -> descriptor(e, "blobSum", blobs)); // schema 1
                default -> p.skipChildren();
            }
        }

        /** Skips the current value (and what it holds); returns {@code result}. */
        private static <T> T skip(JsonParser p, T result) throws IOException {
            p.skipChildren();
            return result;
        }

        /** Reads one element of an array, the parser on its first token. */
        private interface ElementReader {
            void read(JsonParser p) throws IOException;
        }

        /** An array of descriptors, each read by {@code element}. */
        private void descriptors(JsonParser p, String field, ElementReader element) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (++references > MAX_REFERENCES) {
                    throw new ManifestLimitException("the manifest's " + field + " has more than " + MAX_REFERENCES
                            + " entries; this cache serves manifests with at most " + MAX_REFERENCES + " references");
                }
                element.read(p);
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
                Digest digest = collect && name.equals(digestField) && value == JsonToken.VALUE_STRING
                        ? digestOrNull(p.getText())
                        : null;
                if (digest != null) {
                    into.add(digest);
                } else if (collect && name.equals("size") && value == JsonToken.VALUE_NUMBER_INT) {
                    addSize(p);
                } else {
                    p.skipChildren();
                }
            }
        }

        /** One entry of an index: its digest and platform are noted, the rest skipped. */
        private void indexEntry(JsonParser p) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                p.skipChildren();
                return;
            }
            Digest digest = null;
            Map<String, String> platform = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (collect && name.equals("digest") && value == JsonToken.VALUE_STRING) {
                    digest = digestOrNull(p.getText());
                } else if (collect && name.equals("size") && value == JsonToken.VALUE_NUMBER_INT) {
                    addSize(p);
                } else if (collect && name.equals("platform") && value == JsonToken.START_OBJECT) {
                    platform = strings(p, PLATFORM_FIELDS);
                } else {
                    p.skipChildren();
                }
            }
            if (digest != null) {
                manifests.add(new Entry(digest, platform(platform)));
            }
        }

        /**
         * Adds a descriptor's declared size; one that is negative or beyond a long is not counted,
         * and the sum stops at {@code Long.MAX_VALUE} (a crafted manifest's sizes are not believed).
         */
        private void addSize(JsonParser p) throws IOException {
            if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER && p.getLongValue() > 0) {
                long sum = referencedBytes + p.getLongValue();
                referencedBytes = sum < 0 ? Long.MAX_VALUE : sum;
            }
        }

        /** The string values of {@code wanted} fields of the object the parser is on; the rest skipped. */
        private static Map<String, String> strings(JsonParser p, Set<String> wanted) throws IOException {
            Map<String, String> values = new HashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (p.nextToken() == JsonToken.VALUE_STRING && wanted.contains(name)) {
                    values.put(name, p.getText());
                } else {
                    p.skipChildren();
                }
            }
            return values;
        }

        private static Platform platform(Map<String, String> fields) {
            if (fields == null || fields.get("os") == null || fields.get("architecture") == null) {
                return null;
            }
            String variant = fields.get("variant");
            return new Platform(
                    fields.get("os"),
                    fields.get("architecture"),
                    variant == null || variant.isEmpty() ? null : variant);
        }

        private static Digest digestOrNull(String text) {
            try {
                return Digest.parse(text);
            } catch (InvalidValueException e) {
                return null; // a reference no store could hold
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
