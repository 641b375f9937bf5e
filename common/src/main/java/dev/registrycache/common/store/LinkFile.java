package dev.registrycache.common.store;

import dev.registrycache.common.AtomicFile;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A link file of the store ({@link StoreLayout}): exactly {@code <alg>:<hex>}, no newline. The one
 * reader and writer of links, for the node that writes them and the cleaner that judges them.
 */
public final class LinkFile {
    /** Longer than any digest: a file this big is not a link of ours. */
    private static final int MAX_BYTES = 200;

    private LinkFile() {}

    /** The digest the link holds; null if it is absent, unreadable or not a digest. */
    public static Digest read(Path link) {
        try {
            if (Files.size(link) > MAX_BYTES) {
                return null;
            }
            return parse(Files.readAllBytes(link));
        } catch (IOException e) {
            return null;
        }
    }

    /** The digest of a link object's bytes; null if they are none (absent, too long, not a digest). */
    public static Digest parse(byte[] bytes) {
        if (bytes == null || bytes.length > MAX_BYTES) {
            return null;
        }
        try {
            return Digest.parse(new String(bytes, StandardCharsets.US_ASCII).trim());
        } catch (InvalidValueException e) {
            return null;
        }
    }

    /** The bytes of the link to {@code digest}. */
    public static byte[] bytes(Digest digest) {
        return digest.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads a link object through a driver; null as {@link #parse}. */
    static Digest read(StorageDriver driver, String key) {
        try {
            return parse(driver.get(key, MAX_BYTES));
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes the link atomically (readers see the old digest or the new, never a part); its folder must exist. */
    public static void write(Path link, Digest digest) throws IOException {
        AtomicFile.write(link, bytes(digest));
    }
}
