package dev.registrycache.node.upstream;

import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;

/**
 * An upstream answer that is not what was asked for, already classified. {@link #isOutage()}
 * tells the callers whether serving from the cache instead is right (the upstream is down,
 * overloaded or refusing us) or not (the upstream says the thing does not exist).
 */
public final class UpstreamException extends Exception {
    /** What went wrong, as far as a cache cares. */
    public enum Kind {
        NOT_FOUND,
        UNAUTHORIZED,
        DENIED,
        TOO_MANY_REQUESTS,
        UNAVAILABLE,
        INVALID_RESPONSE,
        /** The upstream redirected to a target that {@link RedirectPolicy} does not follow. */
        REDIRECT_REFUSED
    }

    private final Kind kind;
    private final int status;
    private final long retryAfterSeconds;

    public UpstreamException(Kind kind, int status, String message, long retryAfterSeconds, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static UpstreamException unreachable(String message, Throwable cause) {
        return new UpstreamException(Kind.UNAVAILABLE, 0, message, -1, cause);
    }

    public Kind kind() {
        return kind;
    }

    /** The upstream's HTTP status, or 0 when it did not answer. */
    public int status() {
        return status;
    }

    /** True when the cache should answer from what it holds: anything but "does not exist". */
    public boolean isOutage() {
        return kind != Kind.NOT_FOUND;
    }

    /** The error the client sees when the cache cannot answer instead; {@code notFound} for a 404. */
    public RegistryException toRegistryException(ErrorCode notFound) {
        return switch (kind) {
            case NOT_FOUND -> new RegistryException(notFound, null, null);
            case UNAUTHORIZED ->
                new RegistryException(
                        ErrorCode.UNAUTHORIZED, "the upstream registry refused the cache's credentials", null);
            case DENIED -> new RegistryException(ErrorCode.DENIED, "the upstream registry denied access", null);
            case TOO_MANY_REQUESTS ->
                new RegistryException(
                        ErrorCode.TOOMANYREQUESTS,
                        "the upstream registry is rate limiting the cache",
                        null,
                        retryAfterSeconds,
                        this);
            case REDIRECT_REFUSED -> new RegistryException(ErrorCode.UNAVAILABLE, getMessage(), null, -1, this);
            case UNAVAILABLE, INVALID_RESPONSE ->
                new RegistryException(
                        ErrorCode.UNAVAILABLE,
                        "the upstream registry is unavailable and the cache does not hold this: " + getMessage(),
                        null,
                        retryAfterSeconds > 0 ? retryAfterSeconds : 10,
                        this);
        };
    }
}
