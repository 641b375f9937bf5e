package dev.registrycache.common.settings;

import dev.registrycache.common.Reasons;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The keys that sign requests to the datastore's bucket, from the first of: S3_ACCESS_KEY_ID and
 * S3_SECRET_ACCESS_KEY; the {@code [default]} profile of the AWS credentials file
 * S3_CREDENTIALS_FILE (how a Kubernetes Secret mounts them); AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (the AWS SDKs' variables). Two sources named at once,
 * or half a pair, stop the start: a key left over from another setup must not sign silently.
 * {@link #toString()} shows the key id only.
 */
public record S3Credentials(String accessKeyId, String secretAccessKey, Optional<String> sessionToken) {
    private static final String DEFAULT_PROFILE = "default";

    public static S3Credentials from(Map<String, String> env) {
        Optional<S3Credentials> own = pair(env, Setting.S3_ACCESS_KEY_ID, Setting.S3_SECRET_ACCESS_KEY, null);
        Optional<Path> file = Setting.S3_CREDENTIALS_FILE.resolveReadableFile(null, env);
        if (own.isPresent() && file.isPresent()) {
            throw new ConfigException("S3_ACCESS_KEY_ID and S3_CREDENTIALS_FILE are both set: set one");
        }
        if (own.isPresent()) {
            return own.get();
        }
        if (file.isPresent()) {
            return fromFile(file.get());
        }
        return pair(env, Setting.AWS_ACCESS_KEY_ID, Setting.AWS_SECRET_ACCESS_KEY, Setting.AWS_SESSION_TOKEN)
                .orElseThrow(
                        () -> new ConfigException(
                                "the S3 datastore needs credentials: set S3_ACCESS_KEY_ID and"
                                        + " S3_SECRET_ACCESS_KEY, S3_CREDENTIALS_FILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
    }

    /** A key id and its secret from two variables: both or neither. */
    private static Optional<S3Credentials> pair(Map<String, String> env, Setting id, Setting secret, Setting token) {
        String idValue = id.resolve(null, env);
        String secretValue = secret.resolve(null, env);
        if (idValue == null && secretValue == null) {
            return Optional.empty();
        }
        if (idValue == null || secretValue == null) {
            throw new ConfigException((idValue == null ? id.env() : secret.env()) + " is unset while "
                    + (idValue == null ? secret.env() : id.env()) + " is set: set both");
        }
        return Optional.of(new S3Credentials(
                idValue,
                secretValue,
                token == null ? Optional.empty() : Optional.ofNullable(token.resolve(null, env))));
    }

    /** The {@code [default]} profile of an AWS credentials file ({@code key = value} lines, {@code #} and {@code ;} comments). */
    static S3Credentials fromFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("S3_CREDENTIALS_FILE " + file + ": cannot read: " + Reasons.of(e));
        }
        Map<String, String> profile = profile(lines, DEFAULT_PROFILE);
        if (profile == null) {
            throw new ConfigException("S3_CREDENTIALS_FILE " + file + ": no [default] profile");
        }
        for (String key : List.of("aws_access_key_id", "aws_secret_access_key")) {
            if (profile.getOrDefault(key, "").isEmpty()) {
                throw new ConfigException("S3_CREDENTIALS_FILE " + file + ": the [default] profile has no " + key);
            }
        }
        return new S3Credentials(
                profile.get("aws_access_key_id"),
                profile.get("aws_secret_access_key"),
                Optional.ofNullable(profile.get("aws_session_token")).filter(t -> !t.isEmpty()));
    }

    /** The entries of the section {@code [name]}; null if there is none. */
    private static Map<String, String> profile(List<String> lines, String name) {
        Map<String, String> entries = null;
        boolean inside = false;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                inside = line.substring(1, line.length() - 1).strip().equals(name);
                if (inside && entries == null) {
                    entries = new HashMap<>();
                }
                continue;
            }
            int eq = line.indexOf('=');
            if (inside && eq > 0) {
                entries.put(
                        line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT),
                        line.substring(eq + 1).strip());
            }
        }
        return entries;
    }

    @Override
    public String toString() {
        return "S3Credentials[" + accessKeyId + ", ****" + (sessionToken.isPresent() ? ", session token" : "") + "]";
    }
}
