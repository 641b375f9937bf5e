package dev.registrycache.gateway.peers;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How replicas prove themselves to each other on the peer port: a request carries {@value
 * #HEADER}{@code : <epoch seconds>:<HMAC-SHA256 hex>}, the HMAC of the time, the method and the
 * path with query under the secret all replicas share (a Kubernetes Secret). The secret never
 * crosses the network, and a signature is good for its one request line within {@link #SKEW}
 * of the signer's clock, so a request seen on the wire cannot be turned into another. Anything
 * else on the peer port is refused: it is never an open relay.
 */
public final class PeerAuth {
    public static final String HEADER = "X-Registry-Cache-Peer";
    /** How far a signer's clock and ours may disagree (and how long a signature is good). */
    static final Duration SKEW = Duration.ofSeconds(60);

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final Clock clock;

    /** {@code secret}: at least 16 bytes. */
    public PeerAuth(byte[] secret, Clock clock) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("the peer secret must be at least 16 bytes long");
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
        this.clock = clock;
    }

    /** The header value for a request, now. */
    public String sign(String method, String pathAndQuery) {
        long seconds = clock.millis() / 1000;
        return seconds + ":" + HexFormat.of().formatHex(mac(seconds, method, pathAndQuery));
    }

    /** Whether {@code header} is a good signature of this request line by a replica, now. */
    public boolean verify(String header, String method, String pathAndQuery) {
        if (header == null) {
            return false;
        }
        int colon = header.indexOf(':');
        if (colon <= 0 || header.length() - colon - 1 != 64) {
            return false;
        }
        long seconds;
        byte[] given;
        try {
            seconds = Long.parseLong(header.substring(0, colon));
            given = HexFormat.of().parseHex(header, colon + 1, header.length());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (Math.abs(clock.millis() / 1000 - seconds) > SKEW.toSeconds()) {
            return false;
        }
        return MessageDigest.isEqual(given, mac(seconds, method, pathAndQuery));
    }

    private byte[] mac(long seconds, String method, String pathAndQuery) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal((seconds + " " + method + " " + pathAndQuery).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
