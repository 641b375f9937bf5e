package dev.registrycache.common.settings;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the datastore lives when it is an S3 bucket (any S3-compatible store: AWS, MinIO, Ceph,
 * R2, ...), read once at start and validated: a value that cannot work stops the start with a
 * message naming its variable, before any request goes out.
 *
 * @param endpoint  {@code http(s)://host[:port]} of the S3 API, without a path
 * @param region    the region requests are signed for
 * @param bucket    the bucket's name
 * @param prefix    the key prefix the datastore lives under ({@code a/b}, no slash at either end), or empty
 * @param pathStyle the bucket in the path ({@code host/bucket/key}) rather than the host name ({@code bucket.host/key})
 * @param caFile    a PEM bundle trusted for the endpoint's TLS besides the JDK's
 * @param redirect  GETs of stored blobs answered with a redirect to a pre-signed URL of the
 *                  object (for {@link #REDIRECT_LIFETIME}), rather than with the bytes
 */
public record S3Settings(
        URI endpoint,
        String region,
        String bucket,
        String prefix,
        boolean pathStyle,
        S3Credentials credentials,
        Optional<Path> caFile,
        boolean redirect) {
    public static final String DEFAULT_REGION = "us-east-1";

    /**
     * How long a redirect's pre-signed URL works: long enough for a client that follows it at
     * once and reads a large layer over a slow link (S3 checks the expiry when the GET starts, not
     * while the bytes flow), short enough that a URL seen in a log soon opens nothing.
     */
    public static final Duration REDIRECT_LIFETIME = Duration.ofMinutes(20);

    /** AWS's rule, which every S3-compatible store accepts: 3-63 of a-z 0-9 . -, a letter or digit at each end. */
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private static final Pattern REGION = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern PREFIX_SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,255}");

    /** The S3_* variables that only mean something with S3_BUCKET. */
    private static final java.util.List<Setting> NEED_A_BUCKET = java.util.List.of(
            Setting.S3_ENDPOINT,
            Setting.S3_REGION,
            Setting.S3_PREFIX,
            Setting.S3_PATH_STYLE,
            Setting.S3_ACCESS_KEY_ID,
            Setting.S3_SECRET_ACCESS_KEY,
            Setting.S3_CREDENTIALS_FILE,
            Setting.S3_CA_FILE,
            Setting.S3_REDIRECT);

    /**
     * The S3 datastore if S3_BUCKET is set, validated; empty (the datastore is DATA_DIR) if it is
     * not. Another S3_* variable without S3_BUCKET stops the start: the user meant S3 and would
     * otherwise get a local folder without a word. (The AWS_* variables are not checked: they are
     * often set for other tools.)
     */
    public static Optional<S3Settings> fromEnvironment(Map<String, String> env) {
        if (Setting.S3_BUCKET.resolve(null, env) != null) {
            return Optional.of(from(env));
        }
        for (Setting s : NEED_A_BUCKET) {
            if (s.resolve(null, env) != null) {
                throw new ConfigException(s.env() + " is set but S3_BUCKET is not: set S3_BUCKET to keep the datastore"
                        + " in that bucket, or unset " + s.env() + " to keep it in DATA_DIR");
            }
        }
        return Optional.empty();
    }

    public static S3Settings from(Map<String, String> env) {
        String bucket = Setting.S3_BUCKET.resolve(null, env);
        if (bucket == null) {
            throw new ConfigException("S3_BUCKET is unset: the S3 datastore needs its bucket");
        }
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new ConfigException("S3_BUCKET: '" + bucket
                    + "' is not a bucket name (3 to 63 of a-z, 0-9, '.' and '-', a letter or digit at each end)");
        }
        String region =
                Optional.ofNullable(Setting.S3_REGION.resolve(null, env)).orElse(DEFAULT_REGION);
        if (!REGION.matcher(region).matches()) {
            throw new ConfigException("S3_REGION: '" + region + "' is not a region name");
        }
        return new S3Settings(
                endpoint(Setting.S3_ENDPOINT.resolve(null, env), region),
                region,
                bucket,
                prefix(Setting.S3_PREFIX.resolve(null, env)),
                Setting.S3_PATH_STYLE.resolveBoolean(null, env),
                S3Credentials.from(env),
                Setting.S3_CA_FILE.resolveReadableFile(null, env),
                Setting.S3_REDIRECT.resolveBoolean(null, env));
    }

    /** The endpoint as given, or AWS's for the region; refused unless {@code http(s)://host[:port]}. */
    private static URI endpoint(String value, String region) {
        if (value == null) {
            return URI.create("https://s3." + region + ".amazonaws.com");
        }
        String shown = value.replaceAll("//[^/@]*@", "//****@"); // no credentials in a message
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new ConfigException("S3_ENDPOINT: '" + shown + "' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean bare = (uri.getRawPath() == null
                        || uri.getRawPath().isEmpty()
                        || uri.getRawPath().equals("/"))
                && uri.getRawQuery() == null
                && uri.getRawFragment() == null
                && uri.getRawUserInfo() == null;
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || !bare) {
            throw new ConfigException(
                    "S3_ENDPOINT: '" + shown + "': expected http(s)://host[:port], without a path or credentials");
        }
        return URI.create(scheme + "://" + uri.getRawAuthority());
    }

    /** The prefix without slashes at its ends; refused if a segment is empty, '.', '..' or of other characters. */
    private static String prefix(String value) {
        if (value == null) {
            return "";
        }
        String trimmed = value.replaceAll("^/+|/+$", "");
        if (trimmed.isEmpty()) {
            return "";
        }
        for (String segment : trimmed.split("/", -1)) {
            if (!PREFIX_SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
                throw new ConfigException("S3_PREFIX: '" + value
                        + "': expected segments of letters, digits, '.', '_' and '-' separated by '/' (no empty, '.' or"
                        + " '..' segment)");
            }
        }
        return trimmed;
    }
}
