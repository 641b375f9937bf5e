package dev.registrycache.testsupport;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3 requests (header form), so that tests can talk to {@link S3Server}
 * with its credentials without an S3 client library: the test's view of the bucket stays independent
 * of the driver under test. The caller builds the URI with {@link #encode} (path segments and query
 * values) and gets the headers to add; the payload is either signed by its SHA-256 or {@link
 * #UNSIGNED_PAYLOAD}, which S3 accepts for streamed bodies.
 */
public final class S3Signer {
    /** The payload hash of a body that is not hashed before sending. */
    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    private final TestCredentials credentials;
    private final String region;

    public S3Signer(TestCredentials credentials, String region) {
        this.credentials = credentials;
        this.region = region;
    }

    /**
     * The headers to add to the request ({@code x-amz-date}, {@code x-amz-content-sha256},
     * {@code Authorization}); {@code headers} are the request's other headers to sign, such as
     * {@code Range} or {@code If-None-Match} ({@code Host} is taken from the URI).
     */
    public Map<String, String> sign(
            String method, URI uri, Map<String, String> headers, String payloadSha256, Instant now) {
        String stamp = STAMP.format(now);
        String scope = stamp.substring(0, 8) + "/" + region + "/s3/aws4_request";
        TreeMap<String, String> signed = new TreeMap<>();
        headers.forEach((name, value) -> signed.put(name.toLowerCase(Locale.ROOT), value.strip()));
        signed.put("host", uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort());
        signed.put("x-amz-date", stamp);
        signed.put("x-amz-content-sha256", payloadSha256);
        String names = String.join(";", signed.keySet());
        String canonicalRequest = String.join(
                "\n",
                method,
                uri.getRawPath().isEmpty() ? "/" : uri.getRawPath(),
                canonicalQuery(uri.getRawQuery()),
                signed.entrySet().stream()
                        .map(e -> e.getKey() + ":" + e.getValue() + "\n")
                        .collect(Collectors.joining()),
                names,
                payloadSha256);
        String toSign = String.join("\n", "AWS4-HMAC-SHA256", stamp, scope, payloadSha256(bytes(canonicalRequest)));
        byte[] key = hmac(bytes("AWS4" + credentials.password()), stamp.substring(0, 8));
        key = hmac(key, region);
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        String signature = HEX.formatHex(hmac(key, toSign));
        Map<String, String> added = new LinkedHashMap<>();
        added.put("x-amz-date", stamp);
        added.put("x-amz-content-sha256", payloadSha256);
        added.put(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=" + credentials.username() + "/" + scope + ", SignedHeaders=" + names
                        + ", Signature=" + signature);
        return added;
    }

    /** URI-encodes {@code text} as SigV4 wants: every byte but {@code A-Za-z0-9-_.~} as {@code %XY}. */
    public static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes(text)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-_.~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(HEX.withUpperCase().toHexDigits((byte) c));
            }
        }
        return out.toString();
    }

    /** An object key as a URI path: each segment encoded, the slashes kept. */
    public static String encodePath(String key) {
        return Arrays.stream(key.split("/", -1)).map(S3Signer::encode).collect(Collectors.joining("/"));
    }

    /** The payload hash of a body held in memory. */
    public static String payloadSha256(byte[] body) {
        return Sha256.hex(Sha256.of(body));
    }

    /** The query's parameters sorted by name, each {@code name=value} (already encoded), empty values kept. */
    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            sorted.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
        }
        return sorted.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("&"));
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(bytes(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
