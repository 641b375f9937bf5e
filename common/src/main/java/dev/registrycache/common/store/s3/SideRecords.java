package dev.registrycache.common.store.s3;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Empty objects beside an object whose names carry a value, so that the listing that finds the
 * object reads the value too, without a GET per object: {@code <key>~use/<epoch millis>}, a use
 * of the object ({@link dev.registrycache.common.store.StorageDriver#recordUse}; S3 keeps no access time), and {@code
 * <key>~written/<bytes>}, how far an upload to {@code <key>} has got (its bytes stay on the
 * writer's disk and in a multipart upload, which no listing shows), and {@code
 * <key>~multipart/<base64url of "target key \n upload id">}, a multipart upload that an upload to
 * {@code <key>} made at the key it will publish (so that the upload's removal can abort it, and
 * only it). {@code '~'} is in no key that
 * {@link dev.registrycache.common.store.StoreKeys} makes, and the driver refuses keys with it, so
 * a side record is never taken for an object; {@link S3Driver#list} leaves them out.
 */
final class SideRecords {
    static final char MARK = '~';
    private static final String USE = MARK + "use/";
    private static final String WRITTEN = MARK + "written/";
    private static final String MULTIPART = MARK + "multipart/";

    private SideRecords() {}

    /** What a listed key is, relative to the object it belongs to. */
    enum Kind {
        OBJECT,
        USE,
        WRITTEN,
        OTHER
    }

    /** A key found beside {@code object}: its kind and the value its name carries (-1 if none). */
    record Found(Kind kind, long value) {}

    static String use(String key, long millis) {
        return key + USE + millis;
    }

    static String written(String key, long bytes) {
        return key + WRITTEN + bytes;
    }

    /** The prefix of every side record of {@code key}. */
    static String recordsPrefix(String key) {
        return key + MARK;
    }

    static String multipart(String key, String target, String uploadId) {
        byte[] value = (target + "\n" + uploadId).getBytes(StandardCharsets.UTF_8);
        return key + MULTIPART + Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }

    /**
     * The target key and upload id a {@link #multipart} record names, or null if {@code listed} is
     * no such record (or a damaged one).
     */
    static String[] multipartOf(String listed) {
        int mark = listed.lastIndexOf(MARK);
        if (mark < 0 || !listed.startsWith(MULTIPART, mark)) {
            return null;
        }
        try {
            String value = new String(
                    Base64.getUrlDecoder().decode(listed.substring(mark + MULTIPART.length())), StandardCharsets.UTF_8);
            int newline = value.indexOf('\n');
            return newline <= 0 || newline == value.length() - 1
                    ? null
                    : new String[] {value.substring(0, newline), value.substring(newline + 1)};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** What {@code listed} is to the object {@code object}: the object, one of its records, or something else. */
    static Found of(String object, String listed) {
        if (listed.equals(object)) {
            return new Found(Kind.OBJECT, -1);
        }
        if (!listed.startsWith(object) || listed.charAt(object.length()) != MARK) {
            return new Found(Kind.OTHER, -1);
        }
        String rest = listed.substring(object.length());
        Kind kind = rest.startsWith(USE) ? Kind.USE : rest.startsWith(WRITTEN) ? Kind.WRITTEN : Kind.OTHER;
        if (kind == Kind.OTHER) {
            return new Found(Kind.OTHER, -1);
        }
        try {
            return new Found(kind, Long.parseLong(rest.substring(kind == Kind.USE ? USE.length() : WRITTEN.length())));
        } catch (NumberFormatException e) {
            return new Found(Kind.OTHER, -1);
        }
    }

    /** Whether {@code key} is an upload's progress record. */
    static boolean isProgress(String key) {
        int mark = key.lastIndexOf(MARK);
        return mark >= 0 && key.startsWith(WRITTEN, mark);
    }

    /** Whether a name (a key's segment) is part of a side record's key rather than an object's. */
    static boolean isSide(String name) {
        return name.indexOf(MARK) >= 0;
    }
}
