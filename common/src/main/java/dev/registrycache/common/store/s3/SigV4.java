package dev.registrycache.common.store.s3;

import dev.registrycache.common.settings.S3Credentials;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4, as S3 wants it: in the {@code Authorization} header of a request, or in
 * the query of a pre-signed URL. The caller builds URIs with {@link #encode} (each path segment,
 * each query name and value), as they go on the wire: the canonical request takes the raw path and
 * query as they are, which is S3's rule (no second encoding, no normalisation of the path). Bodies
 * are signed by their SHA-256 or sent as {@link #UNSIGNED_PAYLOAD}, which S3 accepts for streamed
 * bodies. Checked against AWS's published examples (SigV4TestVectorsTest).
 */
public final class SigV4 {
    /** The payload hash of a body that is not hashed before sending. */
    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    /** The SHA-256 of nothing: the payload hash of a request without a body. */
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    private final String accessKeyId;
    private final String secretAccessKey;
    private final Optional<String> sessionToken;
    private final String region;
    private final String service;

    /** A signer of S3 requests for {@code region}. */
    public SigV4(S3Credentials credentials, String region) {
        this(credentials.accessKeyId(), credentials.secretAccessKey(), credentials.sessionToken(), region, "s3");
    }

    SigV4(String accessKeyId, String secretAccessKey, Optional<String> sessionToken, String region, String service) {
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.sessionToken = sessionToken;
        this.region = region;
        this.service = service;
    }

    /**
     * The headers to add to a request ({@code x-amz-date}, {@code x-amz-content-sha256}, the
     * session token if any, {@code Authorization}); {@code headers} are the request's own headers
     * to sign ({@code Range}, {@code If-None-Match}, {@code x-amz-copy-source}...); {@code Host} is
     * taken from the URI.
     */
    public Map<String, String> sign(
            String method, URI uri, Map<String, String> headers, String payloadSha256, Instant now) {
        String stamp = STAMP.format(now);
        SortedMap<String, String> signed = new TreeMap<>();
        headers.forEach((name, value) -> signed.put(name.toLowerCase(Locale.ROOT), value));
        signed.put("host", host(uri));
        signed.put("x-amz-date", stamp);
        signed.put("x-amz-content-sha256", payloadSha256);
        sessionToken.ifPresent(token -> signed.put("x-amz-security-token", token));
        Map<String, String> added = new LinkedHashMap<>();
        added.put("x-amz-date", stamp);
        added.put("x-amz-content-sha256", payloadSha256);
        sessionToken.ifPresent(token -> added.put("x-amz-security-token", token));
        added.put(
                "Authorization",
                authorization(method, uri.getRawPath(), uri.getRawQuery(), signed, payloadSha256, stamp));
        return added;
    }

    /**
     * {@code uri} pre-signed for {@code method} for {@code expires} (at most 7 days, S3's limit):
     * anyone holding the URL may make that one request until then, without credentials.
     */
    public URI presign(String method, URI uri, Duration expires, Instant now) {
        if (expires.isNegative() || expires.isZero() || expires.compareTo(Duration.ofDays(7)) > 0) {
            throw new IllegalArgumentException("a pre-signed URL lasts from 1 s to 7 days, not " + expires);
        }
        String stamp = STAMP.format(now);
        List<String> query = new ArrayList<>();
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            query.add(uri.getRawQuery());
        }
        query.add("X-Amz-Algorithm=" + ALGORITHM);
        query.add("X-Amz-Credential=" + encode(accessKeyId + "/" + scope(stamp)));
        query.add("X-Amz-Date=" + stamp);
        query.add("X-Amz-Expires=" + expires.toSeconds());
        sessionToken.ifPresent(token -> query.add("X-Amz-Security-Token=" + encode(token)));
        query.add("X-Amz-SignedHeaders=host");
        String rawQuery = String.join("&", query);
        SortedMap<String, String> headers = new TreeMap<>(Map.of("host", host(uri)));
        String signature =
                signature(canonicalRequest(method, uri.getRawPath(), rawQuery, headers, UNSIGNED_PAYLOAD), stamp);
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + path(uri.getRawPath()) + "?" + rawQuery
                + "&X-Amz-Signature=" + signature);
    }

    /** The {@code Authorization} header's value for a request whose headers to sign (lower-case names) are {@code headers}. */
    String authorization(
            String method,
            String rawPath,
            String rawQuery,
            SortedMap<String, String> headers,
            String payloadSha256,
            String stamp) {
        String signature = signature(canonicalRequest(method, rawPath, rawQuery, headers, payloadSha256), stamp);
        return ALGORITHM + " Credential=" + accessKeyId + "/" + scope(stamp) + ", SignedHeaders="
                + String.join(";", headers.keySet()) + ", Signature=" + signature;
    }

    static String canonicalRequest(
            String method, String rawPath, String rawQuery, SortedMap<String, String> headers, String payloadSha256) {
        return String.join(
                "\n",
                method,
                path(rawPath),
                canonicalQuery(rawQuery),
                headers.entrySet().stream()
                        .map(e -> e.getKey() + ":" + canonicalValue(e.getValue()) + "\n")
                        .collect(Collectors.joining()),
                String.join(";", headers.keySet()),
                payloadSha256);
    }

    private String signature(String canonicalRequest, String stamp) {
        String toSign = String.join("\n", ALGORITHM, stamp, scope(stamp), sha256Hex(bytes(canonicalRequest)));
        byte[] key = hmac(bytes("AWS4" + secretAccessKey), stamp.substring(0, 8));
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        return HEX.formatHex(hmac(key, toSign));
    }

    private String scope(String stamp) {
        return stamp.substring(0, 8) + "/" + region + "/" + service + "/aws4_request";
    }

    /** URI-encodes {@code text} as SigV4 wants: every byte but {@code A-Za-z0-9-_.~} as {@code %XY}. */
    public static String encode(String text) {
        StringBuilder out = new StringBuilder(text.length());
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

    /** A key as a URI path: each segment {@link #encode encoded}, the slashes kept. */
    public static String encodePath(String key) {
        List<String> segments = new ArrayList<>();
        for (String segment : key.split("/", -1)) {
            segments.add(encode(segment));
        }
        return String.join("/", segments);
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String host(URI uri) {
        return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }

    private static String path(String rawPath) {
        return rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
    }

    /** A header value trimmed, its runs of spaces made one. */
    private static String canonicalValue(String value) {
        return value.strip().replaceAll(" +", " ");
    }

    /** The query's parameters sorted by name, then value (both as encoded), each {@code name=value}. */
    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            pairs.add(new String[] {eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1)});
        }
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        return pairs.stream().map(p -> p[0] + "=" + p[1]).collect(Collectors.joining("&"));
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
