package dev.registrycache.warm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.oci.ErrorCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * The one place that turns what the cache answered, or how reaching it failed, into the reason a
 * user reads: words, never an exception's class. The cache's own OCI error messages are words
 * already ("the upstream registry is unavailable and the cache does not hold this"); the codes
 * whose default messages speak of "registry" get the words of a cache in front of an upstream.
 */
final class Refusals {
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\b(?:[a-z_$][a-z0-9_$]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error)\\b:?\\s*");

    private Refusals() {}

    /**
     * Why the cache refused: {@code status}, the OCI error {@code body} (may be empty), and whether
     * the cache's own authentication asked ({@code challenged}: a 401 with {@code WWW-Authenticate})
     * of a client that gave {@code username} (null: none).
     */
    static WarmFailure of(int status, byte[] body, boolean challenged, String username) {
        ErrorCode code = null;
        String message = null;
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("errors").path(0);
            code = ErrorCode.valueOf(error.path("code").asText());
            message = error.path("message").isTextual() ? error.path("message").asText() : null;
        } catch (IOException | IllegalArgumentException notAnOciError) {
            // only the status is known
        }
        if (status == 401 && challenged) {
            return new WarmFailure(
                    username == null
                            ? "the cache asks for credentials: give --username, and the password in WARM_PASSWORD or "
                                    + "on standard input with --password-stdin"
                            : "the cache refused the credentials of user " + username);
        }
        if (code == null) {
            return new WarmFailure("the cache answered HTTP " + status);
        }
        String words = switch (code) {
            case MANIFEST_UNKNOWN -> "manifest unknown to the upstream";
            case BLOB_UNKNOWN -> "blob unknown to the upstream";
            case NAME_UNKNOWN ->
                message == null || message.equals(code.defaultMessage())
                        ? "repository unknown to the upstream"
                        : message;
            default -> message == null || message.isBlank() ? code.defaultMessage() : message;
        };
        return new WarmFailure(words);
    }

    /** Why the cache at {@code cache} could not be asked: the first cause in {@code failure}'s chain that tells. */
    static WarmFailure unreachable(URI cache, Throwable failure) {
        Throwable deepest = failure;
        Throwable tls = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            deepest = t;
            if (t instanceof ConnectException) {
                return new WarmFailure("cannot connect to the cache at " + cache + ": connection refused");
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return new WarmFailure("cannot connect to the cache at " + cache + ": no such host");
            }
            if (t instanceof CertificateException) {
                return new WarmFailure("no TLS connection to the cache at " + cache + ": its certificate is "
                        + (t.getMessage() != null && t.getMessage().contains("matching")
                                ? "not for " + cache.getHost() + " (" + detail(t) + ")"
                                : "neither the one in the CERTS file nor signed by a CA the JDK trusts"));
            }
            if (t instanceof SSLException && !(t.getCause() instanceof CertificateException)) {
                tls = t;
            }
            if (t instanceof TimeoutException) {
                return new WarmFailure("the cache at " + cache + " did not answer in time");
            }
        }
        if (tls != null) {
            return new WarmFailure("no TLS connection to the cache at " + cache + ": " + detail(tls));
        }
        return new WarmFailure("the connection to the cache at " + cache + " broke: " + detail(deepest));
    }

    /** A failure's message without the class names that Java puts in front of a cause's ({@code a.b.SomeException: }). */
    static String detail(Throwable t) {
        String message = t.getMessage() == null
                ? ""
                : CLASS_NAME.matcher(t.getMessage()).replaceAll("").strip();
        return message.isEmpty() ? "no detail given" : message;
    }
}
