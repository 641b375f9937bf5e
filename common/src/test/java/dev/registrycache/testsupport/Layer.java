package dev.registrycache.testsupport;

/**
 * A gzip-compressed tar layer together with what the image config says about it: the
 * {@code diff_id}, the digest of the uncompressed tar.
 */
public record Layer(Blob blob, String diffId, long uncompressedSize) {

    public String digest() {
        return blob.digest();
    }

    public long size() {
        return blob.size();
    }
}
