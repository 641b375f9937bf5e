package dev.registrycache.common.oci;

import dev.registrycache.common.InvalidValueException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content digest such as {@code sha256:<64 hex>}. Refuses anything that is not a digest the
 * datastore can hold, so that no path is ever built from unchecked client input.
 */
public final class Digest {
    /** Algorithms the store accepts, with the length of their lowercase hex encoding. */
    public enum Algorithm {
        SHA256("sha256", "SHA-256", 64),
        SHA512("sha512", "SHA-512", 128);

        private final String id;
        private final String jcaName;
        private final int hexLength;

        Algorithm(String id, String jcaName, int hexLength) {
            this.id = id;
            this.jcaName = jcaName;
            this.hexLength = hexLength;
        }

        public String id() {
            return id;
        }

        /** Length of the lowercase hex encoding: the name of a blob's folder. */
        public int hexLength() {
            return hexLength;
        }

        public MessageDigest newMessageDigest() {
            try {
                return MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(jcaName + " is part of every JDK", e);
            }
        }

        /** The algorithm named {@code id}, or null. */
        public static Algorithm byId(String id) {
            for (Algorithm a : values()) {
                if (a.id.equals(id)) {
                    return a;
                }
            }
            return null;
        }

        /** The algorithm whose raw hash is {@code bytes} long, or null. */
        public static Algorithm byHashLength(int bytes) {
            for (Algorithm a : values()) {
                if (a.hexLength == 2 * bytes) {
                    return a;
                }
            }
            return null;
        }
    }

    private final Algorithm algorithm;
    private final String hex;

    private Digest(Algorithm algorithm, String hex) {
        this.algorithm = algorithm;
        this.hex = hex;
    }

    /** Parses {@code <algorithm>:<hex>}; throws {@link InvalidValueException} for anything else. */
    public static Digest parse(String text) {
        if (text == null || text.length() > 200) {
            throw new InvalidValueException("invalid digest");
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new InvalidValueException("invalid digest: " + text);
        }
        Algorithm algorithm = Algorithm.byId(text.substring(0, colon));
        if (algorithm == null) {
            throw new InvalidValueException("unsupported digest algorithm: " + text.substring(0, colon));
        }
        String hex = text.substring(colon + 1);
        if (hex.length() != algorithm.hexLength || !isLowerHex(hex)) {
            throw new InvalidValueException("invalid digest: " + text);
        }
        return new Digest(algorithm, hex);
    }

    /** True when {@code text} parses as a digest (tags can never contain ':'). */
    public static boolean looksLikeDigest(String text) {
        return text.indexOf(':') > 0;
    }

    public static Digest sha256Of(byte[] bytes) {
        return fromHash(Algorithm.SHA256, Algorithm.SHA256.newMessageDigest().digest(bytes));
    }

    public static Digest fromHash(Algorithm algorithm, byte[] hash) {
        String hex = HexFormat.of().formatHex(hash);
        if (hex.length() != algorithm.hexLength) {
            throw new IllegalArgumentException("hash length does not fit " + algorithm.id);
        }
        return new Digest(algorithm, hex);
    }

    public static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public String hex() {
        return hex;
    }

    /** A fresh hasher of this digest's algorithm, for verifying bytes as they stream past. */
    public MessageDigest newHasher() {
        return algorithm.newMessageDigest();
    }

    /** True when {@code hash} (the output of {@link #newHasher()}) is this digest. */
    public boolean matches(byte[] hash) {
        return MessageDigest.isEqual(HexFormat.of().parseHex(hex), hash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && d.algorithm == algorithm && d.hex.equals(hex);
    }

    @Override
    public int hashCode() {
        return Objects.hash(algorithm, hex);
    }

    @Override
    public String toString() {
        return algorithm.id + ":" + hex;
    }
}
