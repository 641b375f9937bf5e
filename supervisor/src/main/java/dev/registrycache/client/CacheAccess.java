package dev.registrycache.client;

import dev.registrycache.common.http.OwnCertificate;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.Credentials;
import dev.registrycache.common.settings.LocalGateway;
import dev.registrycache.common.settings.Setting;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How a client command reaches the cache, read and checked before its first request: the public
 * port, whom to trust there over TLS ({@link CacheTrust}), and the credentials. The password comes
 * from the command's own variable ({@code WARM_PASSWORD}, {@code ADMIN_PASSWORD}) or standard
 * input, never from an argument, which {@code ps} would show.
 *
 * @param base {@code http(s)://<host>[:<port>]}, without a path
 * @param passwordVariable the variable the password may be in, named in the messages about it
 */
public record CacheAccess(URI base, SSLContext tls, Optional<Credentials> credentials, String passwordVariable) {
    /** Reads {@code options}, the environment and (with {@code --password-stdin}) standard input. */
    public static CacheAccess resolve(
            CacheOptions options, String passwordVariable, Map<String, String> env, InputStream stdin) {
        Optional<Credentials> credentials = credentials(options, passwordVariable, env, stdin);
        URI base;
        X509Certificate own = null;
        if (options.cache == null) {
            LocalGateway gateway = LocalGateway.resolve(null, null, null, env);
            base = gateway.base();
            if (gateway.tls()) {
                own = OwnCertificate.firstIn(gateway.certs(), "CERTS file");
            }
        } else {
            base = cacheUrl(options.cache, passwordVariable);
            Path certs = Path.of(Setting.CERTS.resolve(null, env));
            if (base.getScheme().equals("https") && Files.isReadable(certs)) {
                own = ownOrNone(certs);
            }
        }
        try {
            return new CacheAccess(base, CacheTrust.context(own), credentials, passwordVariable);
        } catch (GeneralSecurityException e) {
            throw new ConfigException("TLS cannot be set up: " + e.getMessage());
        }
    }

    /** The user the requests are sent as, or null. */
    public String username() {
        return credentials.map(Credentials::username).orElse(null);
    }

    /** What a user reads when the cache's own authentication refused {@code username} (null: no credentials given). */
    public static String credentialsRefused(String username, String passwordVariable) {
        return username == null
                ? "the cache asks for credentials: give --username, and the password in " + passwordVariable
                        + " or on standard input with --password-stdin"
                : "the cache refused the credentials of user " + username;
    }

    private static Optional<Credentials> credentials(
            CacheOptions options, String passwordVariable, Map<String, String> env, InputStream stdin) {
        String fromEnv = env.get(passwordVariable);
        boolean inEnv = fromEnv != null && !fromEnv.isEmpty();
        if (inEnv && options.passwordStdin) {
            throw new ConfigException(
                    "give the password once: " + passwordVariable + " is set and --password-stdin too");
        }
        if (options.username == null) {
            if (inEnv || options.passwordStdin) {
                throw new ConfigException("a password without a user: give --username too");
            }
            return Optional.empty();
        }
        if (!inEnv && !options.passwordStdin) {
            throw new ConfigException("--username " + options.username + " needs a password: in " + passwordVariable
                    + " or on standard input with --password-stdin");
        }
        return Optional.of(new Credentials(options.username, inEnv ? fromEnv : firstLine(stdin)));
    }

    private static String firstLine(InputStream stdin) {
        String line;
        try {
            line = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            throw new ConfigException("--password-stdin: standard input cannot be read");
        }
        if (line == null || line.strip().isEmpty()) {
            throw new ConfigException("--password-stdin: standard input holds no password");
        }
        return line.strip();
    }

    private static X509Certificate ownOrNone(Path certs) {
        try {
            return OwnCertificate.firstIn(certs, "CERTS file");
        } catch (ConfigException notACertificate) {
            return null; // not the cache's: the JDK's CAs decide
        }
    }

    /** {@code http(s)://host[:port]}, nothing else: no path, and no credentials, which belong in no argument. */
    static URI cacheUrl(String text, String passwordVariable) {
        // a URL with credentials is never repeated in a message
        String what = "--cache " + (text.contains("@") ? "(a URL with an @)" : "'" + text + "'") + ": ";
        URI uri;
        try {
            uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        } catch (URISyntaxException e) {
            throw new ConfigException(what + "not a URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new ConfigException(what + "credentials do not go in an argument, which ps shows: give --username, "
                    + "and the password in " + passwordVariable + " or with --password-stdin");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
                || uri.getHost() == null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new ConfigException(what + "expected http(s)://<host>[:<port>], without a path");
        }
        return uri;
    }
}
