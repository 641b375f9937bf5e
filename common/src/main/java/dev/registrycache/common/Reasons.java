package dev.registrycache.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.EOFException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Why something failed, in words, for the messages people read: error bodies, command-line
 * errors and log lines. {@code e.toString()} shows a Java class name
 * ({@code java.net.ConnectException: Connection refused}) and {@code e.getMessage()} of a file
 * error only the path ({@code /pull-secret.json}); neither tells an operator what to do. Stack
 * traces stay for failures that are bugs.
 */
public final class Reasons {
    /** A class name as {@code toString()} and wrapping exceptions put it in a message: {@code java.io.IOException: }. */
    private static final Pattern CLASS_NAME =
            Pattern.compile("(?:[a-z_][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error|Throwable)(?::\\s*|\\b)");

    private Reasons() {}

    /** What went wrong, e.g. "connection refused", "no such file", "permission denied", "timed out". */
    public static String of(Throwable failure) {
        Throwable t = unwrapped(failure);
        String phrase = phrase(t);
        if (phrase != null) {
            return phrase;
        }
        String message = clean(t instanceof JsonProcessingException json ? json.getOriginalMessage() : t.getMessage());
        if (message.isEmpty()) {
            return words(t.getClass().getSimpleName());
        }
        Throwable cause = t.getCause();
        if (cause == null || cause == t) {
            return message;
        }
        String because = of(cause); // "failed to bind to 0.0.0.0:80" says little without "permission denied"
        return message.contains(because) ? message : message + ": " + because;
    }

    /** {@code message} without the class names in it; empty for null. */
    private static String clean(String message) {
        return message == null ? "" : CLASS_NAME.matcher(message).replaceAll("").strip();
    }

    /** The failure itself, out of the exceptions that only carry it across threads or APIs. */
    private static Throwable unwrapped(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof ExecutionException
                        || t instanceof CompletionException
                        || t instanceof UncheckedIOException
                        || t instanceof InvocationTargetException)
                && t.getCause() != null
                && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** Words for the failures that people meet often; null for the others. */
    private static String phrase(Throwable t) {
        if (t instanceof NoSuchFileException) {
            return "no such file";
        } else if (t instanceof AccessDeniedException) {
            return "permission denied";
        } else if (t instanceof FileAlreadyExistsException) {
            return "it already exists";
        } else if (t instanceof DirectoryNotEmptyException) {
            return "the folder is not empty";
        } else if (t instanceof NotDirectoryException) {
            return "not a folder";
        } else if (t instanceof FileSystemException f) {
            return f.getReason() != null
                    ? f.getReason().toLowerCase(Locale.ROOT)
                    : words(f.getClass().getSimpleName()); // its message is only the path

        } else if (t instanceof ConnectException) {
            return "connection refused";
        } else if (t instanceof NoRouteToHostException) {
            return "no route to host";
        } else if (t instanceof UnknownHostException) {
            return t.getMessage() == null ? "unknown host" : "unknown host " + t.getMessage();
        } else if (t instanceof SocketTimeoutException
                || t instanceof TimeoutException
                || t instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        } else if (t instanceof InterruptedException || t instanceof InterruptedIOException) {
            return "interrupted";
        } else if (t instanceof EOFException || t instanceof ClosedChannelException) {
            return "the connection was closed early";
        } else if (t instanceof SSLException) {
            return hasCause(t, CertPathBuilderException.class) || hasCause(t, CertificateException.class)
                    ? "TLS: the certificate is not trusted"
                    : "TLS failed" + (clean(t.getMessage()).isEmpty() ? "" : ": " + clean(t.getMessage()));
        }
        return null;
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> kind) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (kind.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** {@code IllegalStateException} as "illegal state": what a class name says, without the Java. */
    private static String words(String simpleName) {
        String name = simpleName.replaceFirst("(Exception|Error|Throwable)$", "");
        if (name.isEmpty()) {
            return "unknown error";
        }
        return name.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    }
}
