package dev.registrycache.testsupport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Content addressed by its sha256 digest: a manifest, a config or a layer of a test image. Small
 * blobs live in memory; large layers live in a file so that a 64 MiB layer costs no heap.
 */
public final class Blob {

    private final String mediaType;
    private final String digest;
    private final long size;
    private final byte[] bytes;
    private final Path file;

    private Blob(String mediaType, String digest, long size, byte[] bytes, Path file) {
        this.mediaType = Objects.requireNonNull(mediaType, "mediaType");
        this.digest = Objects.requireNonNull(digest, "digest");
        Sha256.hex(digest);
        this.size = size;
        this.bytes = bytes;
        this.file = file;
    }

    public static Blob ofBytes(String mediaType, byte[] bytes) {
        return new Blob(mediaType, Sha256.of(bytes), bytes.length, bytes.clone(), null);
    }

    /** A blob whose content is {@code file}; digest and size are what the caller measured. */
    static Blob ofFile(String mediaType, Path file, String digest, long size) {
        return new Blob(mediaType, digest, size, null, file);
    }

    public String mediaType() {
        return mediaType;
    }

    /** {@code sha256:<hex>}. */
    public String digest() {
        return digest;
    }

    public String hex() {
        return Sha256.hex(digest);
    }

    public long size() {
        return size;
    }

    public boolean inMemory() {
        return bytes != null;
    }

    /** The file holding a large blob; empty for a blob held in memory. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** The content; reads the file of a file-backed blob, so avoid it for large layers. */
    public byte[] bytes() {
        if (bytes != null) {
            return bytes.clone();
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public InputStream open() throws IOException {
        return bytes != null ? new ByteArrayInputStream(bytes) : Files.newInputStream(file);
    }

    /** Writes the content to {@code target}, hard-linking a file-backed blob where possible. */
    public void copyTo(Path target) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        if (bytes != null) {
            Files.write(target, bytes);
            return;
        }
        Files.deleteIfExists(target);
        try {
            Files.createLink(target, file);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The OCI descriptor of this blob: mediaType, digest, size. */
    Map<String, Object> descriptorJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mediaType", mediaType);
        json.put("digest", digest);
        json.put("size", size);
        return json;
    }

    @Override
    public String toString() {
        return mediaType + " " + digest + " (" + size + " bytes)";
    }
}
