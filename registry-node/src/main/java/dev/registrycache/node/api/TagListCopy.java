package dev.registrycache.node.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.registrycache.common.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies an upstream's {@code tags/list} answer under the client's repository name, token by
 * token as it streams in: no JSON tree is built, so memory does not grow with the number of
 * tags (a tree of 1.5 million tags takes over 100 MiB). Numbers are copied as written and
 * strings unescaped where JSON allows, so the copy is never longer than the input but for the
 * name.
 */
final class TagListCopy {
    /** The longest tag list read from an upstream. */
    static final int MAX_BYTES = 16 * 1024 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxDocumentLength(MAX_BYTES)
                    .build())
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build();

    private TagListCopy() {}

    /**
     * Reads a tag list from {@code in} and writes it to {@code out} with {@code name} as its
     * name; throws if it is not a JSON object or longer than {@link #MAX_BYTES}.
     */
    static void copy(InputStream in, OutputStream out, RepositoryName name) throws IOException {
        try (JsonParser p = JSON.createParser(in);
                JsonGenerator g = JSON.createGenerator(out)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("the upstream's tag list is not a JSON object");
            }
            g.writeStartObject();
            boolean named = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("name")) {
                    p.skipChildren();
                    if (!named) {
                        g.writeStringField("name", name.toString());
                        named = true;
                    }
                } else {
                    g.writeFieldName(field);
                    copyValue(p, g);
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new IOException("the upstream's tag list is not a JSON object");
            }
            if (!named) {
                g.writeStringField("name", name.toString());
            }
            g.writeEndObject();
        }
    }

    /** Copies the current value, numbers as their text (Jackson's exact copy writes 1e3 as 1E+3). */
    private static void copyValue(JsonParser p, JsonGenerator g) throws IOException {
        int depth = 0;
        do {
            switch (p.currentToken()) {
                case START_OBJECT -> {
                    g.writeStartObject();
                    depth++;
                }
                case START_ARRAY -> {
                    g.writeStartArray();
                    depth++;
                }
                case END_OBJECT -> {
                    g.writeEndObject();
                    depth--;
                }
                case END_ARRAY -> {
                    g.writeEndArray();
                    depth--;
                }
                case FIELD_NAME -> g.writeFieldName(p.currentName());
                case VALUE_STRING -> g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText());
                case VALUE_TRUE, VALUE_FALSE -> g.writeBoolean(p.getBooleanValue());
                case VALUE_NULL -> g.writeNull();
                default -> throw new IOException("unexpected " + p.currentToken() + " in the upstream's tag list");
            }
        } while (depth > 0 && p.nextToken() != null);
        if (depth > 0) {
            throw new IOException("the upstream's tag list ends early");
        }
    }
}
