package dev.registrycache.common.oci;

/**
 * A typed registry error: everything that ends a request with an OCI error body is thrown as one
 * of these, and turned into a response in exactly one place.
 */
public class RegistryException extends RuntimeException {
    private final ErrorCode code;
    private final Object detail;
    private final long retryAfterSeconds;

    public RegistryException(ErrorCode code, String message) {
        this(code, message, null, -1, null);
    }

    public RegistryException(ErrorCode code, String message, Object detail) {
        this(code, message, detail, -1, null);
    }

    public RegistryException(ErrorCode code, String message, Object detail, long retryAfterSeconds, Throwable cause) {
        super(message == null ? code.defaultMessage() : message, cause);
        this.code = code;
        this.detail = detail;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ErrorCode code() {
        return code;
    }

    /** JSON-serialisable detail, or null. */
    public Object detail() {
        return detail;
    }

    /** Seconds for a {@code Retry-After} header, or -1 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
