package dev.registrycache.common.oci;

/** What a manifest request names: a tag or a digest, never both, never anything else. */
public final class Reference {
    private final Tag tag;
    private final Digest digest;

    private Reference(Tag tag, Digest digest) {
        this.tag = tag;
        this.digest = digest;
    }

    public static Reference parse(String text) {
        if (text != null && Digest.looksLikeDigest(text)) {
            return new Reference(null, Digest.parse(text));
        }
        return new Reference(Tag.parse(text), null);
    }

    public static Reference of(Digest digest) {
        return new Reference(null, digest);
    }

    public static Reference of(Tag tag) {
        return new Reference(tag, null);
    }

    public boolean isDigest() {
        return digest != null;
    }

    /** The tag, or null when this reference is a digest. */
    public Tag tag() {
        return tag;
    }

    /** The digest, or null when this reference is a tag. */
    public Digest digest() {
        return digest;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reference r && toString().equals(r.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return digest != null ? digest.toString() : tag.toString();
    }
}
