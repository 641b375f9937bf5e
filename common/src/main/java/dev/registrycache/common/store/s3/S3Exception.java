package dev.registrycache.common.store.s3;

import java.io.IOException;
import java.util.Map;

/**
 * A request the bucket refused or failed, as a message an operator can act on: the request, the
 * bucket and key, the status and S3's error code and message, and what the usual causes are
 * (a bucket that does not exist, keys that are wrong or may not do this, a store that is down).
 * Never holds a credential: S3 echoes none in its errors, and the signature is not quoted.
 */
public final class S3Exception extends IOException {
    /** What to check for the error codes that a setting causes. */
    private static final Map<String, String> HINTS = Map.of(
            "NoSuchBucket", "the bucket does not exist: check S3_BUCKET and S3_ENDPOINT",
            "InvalidAccessKeyId", "the store knows no such access key: check the S3 credentials",
            "SignatureDoesNotMatch", "the secret access key is wrong (or S3_REGION): check the S3 credentials",
            "AccessDenied", "the credentials may not do this: check the bucket's policy for them",
            "AuthorizationHeaderMalformed", "the request was signed for another region: check S3_REGION",
            "PermanentRedirect",
                    "the bucket is in another region or at another endpoint: check S3_REGION and S3_ENDPOINT");

    private final int status;
    private final String code;

    S3Exception(String request, String where, int status, String code, String message) {
        super(text(request, where, status, code, message));
        this.status = status;
        this.code = code;
    }

    S3Exception(String request, String where, int status, String code, String message, Throwable cause) {
        this(request, where, status, code, message);
        initCause(cause);
    }

    /** The HTTP status of the answer; 0 if there was none (the store could not be reached). */
    public int status() {
        return status;
    }

    /** S3's error code ({@code NoSuchBucket}, {@code SlowDown}...); null if the answer held none. */
    public String code() {
        return code;
    }

    private static String text(String request, String where, int status, String code, String message) {
        StringBuilder out = new StringBuilder("S3 ")
                .append(request)
                .append(' ')
                .append(where)
                .append(": ");
        out.append(status > 0 ? Integer.toString(status) : "no answer");
        if (code != null && !code.isEmpty()) {
            out.append(' ').append(code);
        }
        if (message != null && !message.isEmpty()) {
            out.append(" (").append(message).append(')');
        }
        String hint = code == null ? null : HINTS.get(code);
        if (hint == null && status >= 500) {
            hint = "the store is failing or overloaded";
        }
        if (hint == null && status == 0) {
            hint = "the store cannot be reached or stopped answering: check S3_ENDPOINT (and S3_CA_FILE for TLS)";
        }
        if (hint == null && (status == 401 || status == 403)) {
            hint = "check the S3 credentials and the bucket's policy";
        }
        if (hint != null) {
            out.append(": ").append(hint);
        }
        return out.toString();
    }
}
