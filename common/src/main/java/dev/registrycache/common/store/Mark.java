package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import java.util.regex.Pattern;

/**
 * The sets of records the cache's operators keep in the shared store: pins (images the cleaner
 * must keep) and quarantines (digests never to serve or fetch). Each record is named by a key,
 * a short word that is safe as a file or object name.
 */
public enum Mark {
    PIN("pins"),
    QUARANTINE("quarantine");

    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9._-]{0,159}");

    private final String folder;

    Mark(String folder) {
        this.folder = folder;
    }

    /** The name of the folder (or prefix) that holds this mark's records. */
    public String folder() {
        return folder;
    }

    /** Whether {@code key} may name a record: lowercase letters, digits, '.', '_' and '-', at most 160. */
    public static boolean isKey(String key) {
        return key != null && KEY.matcher(key).matches();
    }

    /** The key of a record about one digest: {@code <alg>-<hex>}. */
    public static String keyOf(Digest digest) {
        return digest.algorithm().id() + "-" + digest.hex();
    }

    public static String checkKey(String key) {
        if (!isKey(key)) {
            throw new IllegalArgumentException("not a mark key: " + key);
        }
        return key;
    }
}
