package dev.registrycache.client;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * The one place that turns how reaching the cache failed into the reason a user reads: words,
 * never an exception's class.
 */
public final class Unreachable {
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\b(?:[a-z_$][a-z0-9_$]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error)\\b:?\\s*");

    private Unreachable() {}

    /** Why the cache at {@code cache} could not be asked: the first cause in {@code failure}'s chain that tells. */
    public static CacheFailure of(URI cache, Throwable failure) {
        Throwable deepest = failure;
        Throwable tls = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            deepest = t;
            if (t instanceof ConnectException) {
                return new CacheFailure("cannot connect to the cache at " + cache + ": connection refused");
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return new CacheFailure("cannot connect to the cache at " + cache + ": no such host");
            }
            if (t instanceof CertificateException) {
                return new CacheFailure("no TLS connection to the cache at " + cache + ": its certificate is "
                        + (t.getMessage() != null && t.getMessage().contains("matching")
                                ? "not for " + cache.getHost() + " (" + detail(t) + ")"
                                : "neither the one in the CERTS file nor signed by a CA the JDK trusts"));
            }
            if (t instanceof SSLException && !(t.getCause() instanceof CertificateException)) {
                tls = t;
            }
            if (t instanceof TimeoutException) {
                return new CacheFailure("the cache at " + cache + " did not answer in time");
            }
        }
        if (tls != null) {
            return new CacheFailure("no TLS connection to the cache at " + cache + ": " + detail(tls));
        }
        return new CacheFailure("the connection to the cache at " + cache + " broke: " + detail(deepest));
    }

    /** A failure's message without the class names that Java puts in front of a cause's ({@code a.b.SomeException: }). */
    static String detail(Throwable t) {
        String message = t.getMessage() == null
                ? ""
                : CLASS_NAME.matcher(t.getMessage()).replaceAll("").strip();
        return message.isEmpty() ? "no detail given" : message;
    }
}
