package dev.registrycache.warm;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.http.OwnCertificate;
import dev.registrycache.common.oci.Platform;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Everything a run of {@code warm} needs, read and checked before the first request: the cache to
 * fill and whom to trust there, the credentials, the platform, the images. The password comes from
 * {@code WARM_PASSWORD} or standard input, never from an argument, which {@code ps} would show.
 */
record WarmSettings(Cache cache, Optional<Credentials> credentials, Platform platform, List<ImageName> images) {
    /** The environment variable that may hold the password. */
    static final String PASSWORD_ENV = "WARM_PASSWORD";

    /** The cache's public port, and the TLS trust to reach it with ({@link CacheTrust}). */
    record Cache(URI base, SSLContext tls) {}

    /** What the command line said; null or false where it said nothing. */
    record Flags(
            String cache, Path file, String platform, String username, boolean passwordStdin, List<String> images) {}

    static WarmSettings resolve(Flags flags, Map<String, String> env, InputStream stdin) {
        List<ImageName> images = ImageList.read(flags.images(), flags.file());
        Platform platform = platform(flags.platform());
        Optional<Credentials> credentials = credentials(flags, env, stdin);
        return new WarmSettings(cache(flags.cache(), env), credentials, platform, images);
    }

    private static Platform platform(String flag) {
        if (flag == null) {
            return Platform.host();
        }
        try {
            return Platform.parse(flag);
        } catch (InvalidValueException e) {
            throw new ConfigException("--platform: " + e.getMessage());
        }
    }

    private static Optional<Credentials> credentials(Flags flags, Map<String, String> env, InputStream stdin) {
        String fromEnv = env.get(PASSWORD_ENV);
        boolean inEnv = fromEnv != null && !fromEnv.isEmpty();
        if (inEnv && flags.passwordStdin()) {
            throw new ConfigException("give the password once: " + PASSWORD_ENV + " is set and --password-stdin too");
        }
        if (flags.username() == null) {
            if (inEnv || flags.passwordStdin()) {
                throw new ConfigException("a password without a user: give --username too");
            }
            return Optional.empty();
        }
        if (!inEnv && !flags.passwordStdin()) {
            throw new ConfigException("--username " + flags.username() + " needs a password: in " + PASSWORD_ENV
                    + " or on standard input with --password-stdin");
        }
        return Optional.of(new Credentials(flags.username(), inEnv ? fromEnv : firstLine(stdin)));
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

    /**
     * {@code --cache}, else the gateway on this host ({@link LocalGateway}). Over TLS the gateway's
     * own certificate, from {@code CERTS}, is trusted at any address: the file must be readable for
     * the gateway on this host, and is used when readable for a cache named by {@code --cache}.
     */
    private static Cache cache(String flag, Map<String, String> env) {
        URI base;
        X509Certificate own = null;
        if (flag == null) {
            LocalGateway gateway = LocalGateway.resolve(null, null, null, env);
            base = gateway.base();
            if (gateway.tls()) {
                own = OwnCertificate.firstIn(gateway.certs(), "CERTS file");
            }
        } else {
            base = cacheUrl(flag);
            Path certs = Path.of(Setting.CERTS.resolve(null, env));
            if (base.getScheme().equals("https") && Files.isReadable(certs)) {
                own = ownOrNone(certs);
            }
        }
        try {
            return new Cache(base, CacheTrust.context(own));
        } catch (GeneralSecurityException e) {
            throw new ConfigException("TLS cannot be set up: " + e.getMessage());
        }
    }

    private static X509Certificate ownOrNone(Path certs) {
        try {
            return OwnCertificate.firstIn(certs, "CERTS file");
        } catch (ConfigException notACertificate) {
            return null; // not the cache's: the JDK's CAs decide
        }
    }

    /** {@code http(s)://host[:port]}, nothing else: no path, and no credentials, which belong in no argument. */
    static URI cacheUrl(String text) {
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
                    + "and the password in " + PASSWORD_ENV + " or with --password-stdin");
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
