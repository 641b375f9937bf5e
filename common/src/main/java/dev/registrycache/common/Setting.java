package dev.registrycache.common;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every configuration key of the product with its command-line flag, environment variable,
 * default and meaning. Values resolve as: flag, then environment variable, then default.
 */
public enum Setting {
    PULL_SECRET("--pull-secret", "PULL_SECRET", "/pull-secret.json",
            "pull secret {\"auths\":{\"<registry>\":{\"auth\":\"base64(user:pass)\"}}}; one node per entry"),
    DATA_DIR("--data-dir", "DATA_DIR", "/var/lib/registry", "the datastore, in distribution's filesystem layout"),
    LOG_DIR("--log-dir", "LOG_DIR", "/var/log/registry-cache", "access logs that nodes write and the logger tails"),
    PORT("--port", "PORT", "8443", "the gateway's one public port"),
    CERTS("--certs", "CERTS", "/certs/certs.pem", "PEM certificate chain then private key; missing: plain HTTP"),
    REGISTRY_AUTH(null, "REGISTRY_AUTH", null, "'htpasswd' turns client authentication on"),
    REGISTRY_AUTH_HTPASSWD_REALM(null, "REGISTRY_AUTH_HTPASSWD_REALM", "Registry Realm", "Basic realm"),
    REGISTRY_AUTH_HTPASSWD_PATH(null, "REGISTRY_AUTH_HTPASSWD_PATH", "/auth/htpasswd", "bcrypt htpasswd file"),
    CLEANER_MAXSIZE(null, "CLEANER_MAXSIZE", "10G", "the size the cleaner shrinks the blob store to"),
    CLEANER_THRESHOLD_PERCENTAGE(null, "CLEANER_THRESHOLD_PERCENTAGE", "20",
            "clean only when the store exceeds MAXSIZE by this percentage"),
    CLEANER_RUNEVERY_TIME(null, "CLEANER_RUNEVERY_TIME", "30m", "how often the cleaner checks (Go duration)"),
    IGNOREREGISTRYLIST(null, "IGNOREREGISTRYLIST", "cloud.openshift.com", "space separated pull-secret keys to skip"),
    UPSTREAM_ENDPOINTS(null, "UPSTREAM_ENDPOINTS", null, "space separated name=url overrides of upstream endpoints"),
    UPSTREAM_CA_FILE(null, "UPSTREAM_CA_FILE", null, "PEM bundle trusted for upstream TLS besides the JDK's"),
    UPSTREAM_ALLOW_PRIVATE_REDIRECTS(null, "UPSTREAM_ALLOW_PRIVATE_REDIRECTS", null,
            "'true' lets upstream redirects lead to loopback, link-local and this host's addresses"),
    NODE_TOKEN_FILE(null, "NODE_TOKEN_FILE", null,
            "file holding the secret the gateway shows the nodes (systemd units; the supervisor makes its own)"),
    LOG_LEVEL(null, "LOG_LEVEL", "INFO", "level of the processes' logfmt lines: ERROR, WARN, INFO, DEBUG, TRACE");

    private final String flag;
    private final String env;
    private final String defaultValue;
    private final String meaning;

    Setting(String flag, String env, String defaultValue, String meaning) {
        this.flag = flag;
        this.env = env;
        this.defaultValue = defaultValue;
        this.meaning = meaning;
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

    public String meaning() {
        return meaning;
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
            default -> throw new ConfigException((env != null ? env : flag) + ": '" + value + "' is neither true nor false");
        };
    }
}
