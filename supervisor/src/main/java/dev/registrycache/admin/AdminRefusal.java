package dev.registrycache.admin;

import dev.registrycache.client.CacheAccess;
import dev.registrycache.client.CacheFailure;
import dev.registrycache.client.OciErrorAnswer;
import dev.registrycache.common.oci.ErrorCode;
import java.nio.charset.StandardCharsets;

/**
 * The admin API's refusal: its status and OCI error, which is the message a user reads, as {@code
 * 403 DENIED: user bob is not an admin}; and the body as it came, for {@code --json}.
 */
final class AdminRefusal extends CacheFailure {
    private final transient OciErrorAnswer error;
    private final byte[] body;

    private AdminRefusal(String message, OciErrorAnswer error, byte[] body) {
        super(message);
        this.error = error;
        this.body = body;
    }

    /**
     * The refusal of {@code status} with {@code body}, {@code challenged} by the cache's own
     * authentication (a 401 with {@code WWW-Authenticate}) of a client that gave {@code username}
     * (null: none).
     */
    static AdminRefusal of(int status, byte[] body, boolean challenged, String username) {
        OciErrorAnswer error = OciErrorAnswer.read(body);
        String message;
        if (challenged) {
            message = status + " " + ErrorCode.UNAUTHORIZED + ": "
                    + CacheAccess.credentialsRefused(username, AdminCommand.PASSWORD_ENV);
        } else if (error != null) {
            message = status + " " + error.code() + ": " + error.words();
        } else {
            message = "the cache answered HTTP " + status + " without an OCI error";
        }
        return new AdminRefusal(message, error, body);
    }

    /** Whether the API said {@code code}. */
    boolean is(ErrorCode code) {
        return error != null && error.code() == code;
    }

    /** The body as it came when it is an OCI error body, else null. */
    String errorBody() {
        return error == null ? null : new String(body, StandardCharsets.UTF_8);
    }
}
