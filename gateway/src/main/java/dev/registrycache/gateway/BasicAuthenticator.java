package dev.registrycache.gateway;

import dev.registrycache.common.Reasons;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks Basic credentials against the htpasswd file. bcrypt is slow on purpose, so verified
 * credentials are remembered for a short while (a pull of 50 layers pays one bcrypt check, not
 * 50); the cache key is a salted hash of user and password, never the password itself. An
 * unknown user is checked against a dummy hash of the same cost, so that timing does not tell
 * which users exist. The file is read again when it changes.
 */
final class BasicAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(BasicAuthenticator.class);
    static final long CACHE_MILLIS = 60_000;
    private static final long RECHECK_FILE_MILLIS = 1_000;

    private final Path file;
    private final Clock clock;
    private final byte[] cacheSalt = new byte[32];
    private final Map<String, Long> verified = new ConcurrentHashMap<>();
    private volatile Htpasswd users;
    private volatile String dummyHash;
    private volatile long fileStamp;
    private volatile long checkedAt;

    BasicAuthenticator(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        new SecureRandom().nextBytes(cacheSalt);
        load(Htpasswd.read(file));
        this.fileStamp = stamp();
    }

    /** True when {@code authorization} is a valid {@code Basic} header for a user of the file. */
    boolean authenticate(String authorization) {
        return user(authorization) != null;
    }

    /** The user whose valid {@code Basic} credentials {@code authorization} holds; null if it holds none. */
    String user(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(
                    Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String user = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        reloadIfChanged();
        long now = clock.millis();
        String key = cacheKey(user, password);
        Long until = verified.get(key);
        if (until != null && until > now) {
            return user;
        }
        String hash = users.users().get(user);
        boolean ok =
                OpenBSDBCrypt.checkPassword(hash != null ? hash : dummyHash, password.toCharArray()) && hash != null;
        if (ok) {
            if (verified.size() > 10_000) {
                verified.values().removeIf(t -> t <= now);
            }
            verified.put(key, now + CACHE_MILLIS);
        }
        return ok ? user : null;
    }

    private String cacheKey(String user, String password) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(cacheSalt);
            md.update(user.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(password.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void reloadIfChanged() {
        long now = clock.millis();
        if (now - checkedAt < RECHECK_FILE_MILLIS) {
            return;
        }
        checkedAt = now;
        long stamp = stamp();
        if (stamp != fileStamp) {
            try {
                load(Htpasswd.read(file));
                fileStamp = stamp;
                LOG.info(
                        "htpasswd file {} changed: {} users",
                        file,
                        users.users().size());
            } catch (RuntimeException e) {
                LOG.warn(
                        "htpasswd file {} changed but cannot be read ({}); keeping the previous users",
                        file,
                        Reasons.of(e));
            }
        }
    }

    private void load(Htpasswd loaded) {
        int cost = 10;
        for (String hash : loaded.users().values()) {
            try {
                cost = Math.max(cost, Integer.parseInt(hash.substring(4, 6)));
            } catch (RuntimeException ignored) {
                // a malformed cost only changes the dummy's cost
            }
        }
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        this.dummyHash = OpenBSDBCrypt.generate("2y", "no such user".toCharArray(), salt, cost);
        this.users = loaded;
        verified.clear();
    }

    private long stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() * 31 + a.size();
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
