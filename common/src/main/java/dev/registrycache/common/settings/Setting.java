package dev.registrycache.common.settings;

import dev.registrycache.common.InvalidValueException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every configuration key of the product with its command-line flag, environment variable,
 * default, and its meaning in its comment. Values resolve as: flag, then environment variable,
 * then default.
 */
public enum Setting {
    /** The pull secret, {@code {"auths":{"<registry>":{"auth":"base64(user:pass)"}}}}; one node per entry. */
    PULL_SECRET("--pull-secret", "PULL_SECRET", "/pull-secret.json"),
    /** The datastore, in distribution's filesystem layout. */
    DATA_DIR("--data-dir", "DATA_DIR", "/var/lib/registry"),
    /**
     * The S3 API endpoint of the datastore's bucket ({@code https://host[:port]}); unset:
     * {@code https://s3.<S3_REGION>.amazonaws.com}. See {@link S3Settings}.
     */
    S3_ENDPOINT(null, "S3_ENDPOINT", null),
    /** The bucket's region, which requests are signed for; unset: us-east-1. */
    S3_REGION(null, "S3_REGION", null),
    /** The bucket that holds the datastore. */
    S3_BUCKET(null, "S3_BUCKET", null),
    /** The key prefix the datastore lives under in the bucket ({@code a/b}); unset: the bucket's root. */
    S3_PREFIX(null, "S3_PREFIX", null),
    /** 'true': the bucket in the path ({@code https://host/bucket/key}); unset or 'false': in the host name. */
    S3_PATH_STYLE(null, "S3_PATH_STYLE", null),
    /** The access key id; with S3_SECRET_ACCESS_KEY, before AWS_ACCESS_KEY_ID and S3_CREDENTIALS_FILE. */
    S3_ACCESS_KEY_ID(null, "S3_ACCESS_KEY_ID", null),
    /** The secret access key of S3_ACCESS_KEY_ID. */
    S3_SECRET_ACCESS_KEY(null, "S3_SECRET_ACCESS_KEY", null),
    /** An AWS credentials file whose {@code [default]} profile holds the keys (a Kubernetes Secret). */
    S3_CREDENTIALS_FILE(null, "S3_CREDENTIALS_FILE", null),
    /** The AWS SDKs' variables, read when neither S3_ACCESS_KEY_ID nor S3_CREDENTIALS_FILE is set. */
    AWS_ACCESS_KEY_ID(null, "AWS_ACCESS_KEY_ID", null),
    /** The secret access key of AWS_ACCESS_KEY_ID. */
    AWS_SECRET_ACCESS_KEY(null, "AWS_SECRET_ACCESS_KEY", null),
    /** The session token of temporary AWS_ACCESS_KEY_ID credentials. */
    AWS_SESSION_TOKEN(null, "AWS_SESSION_TOKEN", null),
    /** PEM bundle trusted for the S3 endpoint's TLS besides the JDK's. */
    S3_CA_FILE(null, "S3_CA_FILE", null),
    /**
     * 'true': a GET of a stored blob is answered with a redirect (307) to a pre-signed URL of its
     * object, which the client fetches from the bucket itself; unset or 'false': the bytes are
     * streamed through the node or gateway. Clients then need network access to S3_ENDPOINT.
     */
    S3_REDIRECT(null, "S3_REDIRECT", null),
    /** Access logs that nodes write and the logger tails. */
    LOG_DIR("--log-dir", "LOG_DIR", "/var/log/registry-cache"),
    /** The gateway's one public port. */
    PORT("--port", "PORT", "8443"),
    /** The address the public port listens on: every interface unless set (127.0.0.1: this machine alone). */
    BIND_ADDRESS("--host", "BIND_ADDRESS", null),
    /** PEM certificate chain then private key; missing: plain HTTP. */
    CERTS("--certs", "CERTS", "/certs/certs.pem"),
    /** 'htpasswd' turns client authentication on. */
    REGISTRY_AUTH(null, "REGISTRY_AUTH", null),
    /** The Basic realm. */
    REGISTRY_AUTH_HTPASSWD_REALM(null, "REGISTRY_AUTH_HTPASSWD_REALM", "Registry Realm"),
    /** The bcrypt htpasswd file. */
    REGISTRY_AUTH_HTPASSWD_PATH(null, "REGISTRY_AUTH_HTPASSWD_PATH", "/auth/htpasswd"),
    /** The size the cleaner shrinks the blob store to. */
    CLEANER_MAXSIZE(null, "CLEANER_MAXSIZE", "10G"),
    /** Clean only when the store exceeds MAXSIZE by this percentage. */
    CLEANER_THRESHOLD_PERCENTAGE(null, "CLEANER_THRESHOLD_PERCENTAGE", "20"),
    /** How often the cleaner checks (Go duration). */
    CLEANER_RUNEVERY_TIME(null, "CLEANER_RUNEVERY_TIME", "30m"),
    /**
     * How long the cleaner lease of replicas sharing a datastore lasts unless renewed (Go
     * duration): a dead holder's turn passes to another replica after it.
     */
    CLEANER_LEASE_TERM(null, "CLEANER_LEASE_TERM", "2m"),
    /**
     * The replicas sharing this datastore (Kubernetes): {@code dns:<name>} (a headless Service,
     * re-resolved as pods come and go; each address with PEER_PORT) or a list of host:port; unset:
     * one replica alone.
     */
    PEERS(null, "PEERS", null),
    /** The gateway's port for the other replicas (requests signed with the peer secret only). */
    PEER_PORT(null, "PEER_PORT", "5443"),
    /** The secret the replicas share (at least 16 bytes), from a Kubernetes Secret. */
    PEER_SECRET_FILE(null, "PEER_SECRET_FILE", "/peer/secret"),
    /** This replica as the others reach it (host:port); default POD_IP:PEER_PORT, or the PEERS entry on this host. */
    PEER_SELF(null, "PEER_SELF", null),
    /** Space separated pull-secret keys to skip. */
    IGNOREREGISTRYLIST(null, "IGNOREREGISTRYLIST", "cloud.openshift.com"),
    /**
     * The registry of repositories named without a registry prefix (Docker Engine's
     * registry-mirrors); default docker.io when served; 'none': no such route.
     */
    DEFAULT_REGISTRY(null, "DEFAULT_REGISTRY", null),
    /**
     * How long a tag's answer from the upstream is trusted before asking again (Go duration, and
     * registry=duration entries); 0s asks on every pull.
     */
    TAG_TTL(null, "TAG_TTL", "1m"),
    /**
     * How long a pull by tag waits for the upstream when the cache holds the tag: past it the
     * cache answers from what it holds and treats the upstream as unwell for a while.
     */
    UPSTREAM_TAG_DEADLINE(null, "UPSTREAM_TAG_DEADLINE", "3s"),
    /**
     * 'true': when a node serves an image manifest it fetches, in the background, the blobs of it
     * that the store lacks, so that every pulled image stays pullable offline; 'false' turns it off.
     */
    COMPLETE_IMAGES(null, "COMPLETE_IMAGES", "true"),
    /** Space separated name=url overrides of upstream endpoints. */
    UPSTREAM_ENDPOINTS(null, "UPSTREAM_ENDPOINTS", null),
    /** PEM bundle trusted for upstream TLS besides the JDK's. */
    UPSTREAM_CA_FILE(null, "UPSTREAM_CA_FILE", null),
    /** 'true' lets upstream redirects lead to loopback, link-local and this host's addresses. */
    UPSTREAM_ALLOW_PRIVATE_REDIRECTS(null, "UPSTREAM_ALLOW_PRIVATE_REDIRECTS", null),
    /**
     * Space separated name=host entries: hosts besides a registry's own host and registrable
     * domain whose Bearer token realm may receive that registry's pull-secret credentials.
     */
    UPSTREAM_TRUSTED_REALMS(null, "UPSTREAM_TRUSTED_REALMS", null),
    /** File holding the secret the gateway shows the nodes (systemd units; the supervisor makes its own). */
    NODE_TOKEN_FILE(null, "NODE_TOKEN_FILE", null),
    /**
     * Bytes of synthetic transfers the node and the gateway each send through a throwaway copy of
     * themselves after a start, so that the first pulls run compiled code; 0 turns it off.
     */
    WARMUP_SIZE(null, "WARMUP_SIZE", "128M"),
    /**
     * Comma-separated htpasswd user names who may use the admin API ({@code /admin/v1/}); it needs
     * REGISTRY_AUTH=htpasswd, and is off without this setting.
     */
    ADMIN_USERS(null, "ADMIN_USERS", null),
    /** Level of the processes' logfmt lines: ERROR, WARN, INFO, DEBUG, TRACE. */
    LOG_LEVEL(null, "LOG_LEVEL", "INFO");

    private final String flag;
    private final String env;
    private final String defaultValue;

    Setting(String flag, String env, String defaultValue) {
        this.flag = flag;
        this.env = env;
        this.defaultValue = defaultValue;
    }

    public String flag() {
        return flag;
    }

    public String env() {
        return env;
    }

    public String defaultValue() {
        return defaultValue;
    }

    /** Flag value if given, else the environment variable if set and not blank, else the default (may be null). */
    public String resolve(String flagValue, Map<String, String> environment) {
        if (flagValue != null) {
            return flagValue;
        }
        String fromEnv = env == null ? null : environment.get(env);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        return defaultValue;
    }

    /** A whole number from {@code min} to {@code max}; anything else is refused as not {@code what}. */
    public int resolveInt(String flagValue, Map<String, String> environment, int min, int max, String what) {
        String value = resolve(flagValue, environment);
        int number;
        try {
            number = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            number = min - 1;
        }
        if (number < min || number > max) {
            throw new ConfigException((flag != null ? env + " / " + flag : env) + ": '" + value + "' is not " + what);
        }
        return number;
    }

    /** A size ({@link ByteSize#parse}: {@code 256M}, {@code 1G}, bytes, {@code 0}); anything else is refused. */
    public ByteSize resolveSize(String flagValue, Map<String, String> environment) {
        String value = resolve(flagValue, environment);
        try {
            return ByteSize.parse(value);
        } catch (InvalidValueException e) {
            throw new ConfigException((env != null ? env : flag) + ": " + e.getMessage());
        }
    }

    /** A file the process reads, if set: refused unless it exists and is readable. */
    public Optional<Path> resolveReadableFile(String flagValue, Map<String, String> environment) {
        String value = resolve(flagValue, environment);
        if (value == null) {
            return Optional.empty();
        }
        Path file = Path.of(value);
        if (!Files.isReadable(file)) {
            throw new ConfigException((env != null ? env : flag) + " " + value + ": file not found or not readable");
        }
        return Optional.of(file);
    }

    /** A yes/no setting: {@code true} or {@code false} in any case; unset is false; anything else is refused. */
    public boolean resolveBoolean(String flagValue, Map<String, String> environment) {
        String value = resolve(flagValue, environment);
        if (value == null) {
            return false;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default ->
                throw new ConfigException((env != null ? env : flag) + ": '" + value + "' is neither true nor false");
        };
    }
}
