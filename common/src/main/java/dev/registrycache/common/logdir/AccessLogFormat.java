package dev.registrycache.common.logdir;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.Digest;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The access logs' lines, shared by the node and gateway that write them and the logger that
 * reads them: one JSON object a line, in the files {@link LogDirLayout} names. Only the fields
 * the logger needs are parsed here, with a streaming parser.
 */
public final class AccessLogFormat {
    public static final String TIME = "time";
    public static final String REGISTRY = "registry";
    public static final String METHOD = "method";
    public static final String PATH = "path";
    public static final String KIND = "kind";
    public static final String REPOSITORY = "repository";
    public static final String REFERENCE = "reference";
    public static final String DIGEST = "digest";
    public static final String STATUS = "status";
    public static final String BYTES = "bytes";
    public static final String CACHE = "cache";
    public static final String DURATION_MS = "durationMs";
    public static final String ERROR = "error";
    public static final String CLIENT = "client";

    private static final JsonFactory JSON = new JsonFactory();

    private AccessLogFormat() {}

    /** What the logger needs of a line: when, what kind of object, which digest, and the status. */
    public record Access(Instant time, String kind, Digest digest, int status) {
        /**
         * A successful manifest or blob request: one that counts as a use of its blob; a {@code
         * 307} is a stored blob's redirect to its URL in the bucket (S3_REDIRECT).
         */
        public boolean isUse() {
            return digest != null
                    && (status == 200 || status == 206 || status == 304 || status == 307)
                    && ("manifest".equals(kind) || "blob".equals(kind));
        }

        public boolean isManifest() {
            return "manifest".equals(kind);
        }
    }

    /** Parses one line; returns null for a line that is not an access record. */
    public static Access parse(byte[] line, int offset, int length) {
        Instant time = null;
        String kind = null;
        Digest digest = null;
        int status = 0;
        try (JsonParser p = JSON.createParser(line, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case TIME -> time = Instant.parse(p.getText());
                    case KIND -> kind = p.getText();
                    case DIGEST -> digest = Digest.parse(p.getText());
                    case STATUS -> status = p.getIntValue();
                    default -> {
                        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                            p.skipChildren();
                        }
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || time == null) {
                return null;
            }
            return new Access(time, kind, digest, status);
        } catch (IOException | DateTimeParseException | InvalidValueException e) {
            return null;
        }
    }
}
