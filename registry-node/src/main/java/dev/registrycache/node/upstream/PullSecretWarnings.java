package dev.registrycache.node.upstream;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator that the upstream will not serve the cache with what its pull-secret entry
 * holds. Clients see only a 401, or an old tag served from the store, and the fix is in a file
 * they cannot see; so the node says which registry refused, which file and what to change. One
 * WARN line per kind of refusal and {@link #INTERVAL} at most: a storm of refused requests must
 * not flood the log.
 */
public final class PullSecretWarnings {
    private static final Logger LOG = LoggerFactory.getLogger(PullSecretWarnings.class);
    static final Duration INTERVAL = Duration.ofMinutes(1);

    /** What the upstream refused. */
    enum Refusal {
        /** The credentials were sent, to the registry or its token server, and refused. */
        CREDENTIALS_REFUSED,
        /** The pull secret holds no credentials for the registry, and it wants some. */
        CREDENTIALS_WANTED,
        /** A token server the credentials were withheld from refused to give a token without them. */
        CREDENTIALS_WITHHELD,
        /** The registry refused the token that its token server gave for the credentials. */
        TOKEN_REFUSED
    }

    private final String registry;
    private final String upstream;
    private final boolean hasCredentials;
    private final String pullSecret;
    private final Clock clock;
    private final Map<Refusal, Instant> lastWarned = new EnumMap<>(Refusal.class);

    /** {@code pullSecretFile}: the file the credentials come from, named in the WARN lines (empty: not known). */
    public PullSecretWarnings(
            String registry, URI upstream, boolean hasCredentials, Optional<Path> pullSecretFile, Clock clock) {
        this.registry = registry;
        this.upstream = Hosts.origin(upstream);
        this.hasCredentials = hasCredentials;
        this.pullSecret = pullSecretFile.map(f -> "the pull secret " + f).orElse("the pull secret");
        this.clock = clock;
    }

    /**
     * The registry itself answered 401 to a request that sent {@code sent} ({@code Authorization},
     * null: none) for {@code repository}, and nothing is left to try.
     */
    void registryRefused(String sent, String repository) {
        if (!hasCredentials) {
            warn(Refusal.CREDENTIALS_WANTED, "the registry", 401, "");
        } else if (sent != null && sent.startsWith("Basic ")) {
            warn(Refusal.CREDENTIALS_REFUSED, "the registry", 401, "");
        } else if (sent != null && sent.startsWith("Bearer ")) {
            warn(Refusal.TOKEN_REFUSED, repository == null ? "a request" : "repository " + repository, 401, "");
        }
        // else: a challenge the cache does not answer; the client's 401 says as much
    }

    /**
     * The token server {@code realm} answered {@code status} (401, 403) to a request that sent
     * the pull secret's credentials ({@code sentCredentials}) or none; {@code withheldBecause}
     * says why the realm may not have them, when it may not.
     */
    void tokenServerRefused(URI realm, int status, boolean sentCredentials, Optional<String> withheldBecause) {
        String who = "its token server " + realm.toString().replaceFirst("\\?.*", "");
        if (sentCredentials) {
            warn(Refusal.CREDENTIALS_REFUSED, who, status, "");
        } else if (!hasCredentials) {
            warn(Refusal.CREDENTIALS_WANTED, who, status, "");
        } else {
            warn(Refusal.CREDENTIALS_WITHHELD, who, status, withheldBecause.orElse(""));
        }
    }

    private void warn(Refusal refusal, String subject, int status, String detail) {
        if (!due(refusal, clock.instant())) {
            return;
        }
        String who = "upstream " + registry + " (" + upstream + ")";
        String http = "HTTP " + status;
        LOG.warn(
                switch (refusal) {
                    case CREDENTIALS_REFUSED ->
                        who + " refused the credentials of " + pullSecret + " for " + registry
                                + " (" + http + " from " + subject
                                + "): check the entry's auth (base64 of user:password),"
                                + " or take the auth out to pull anonymously";
                    case CREDENTIALS_WANTED ->
                        who + " wants credentials (" + http + " from " + subject + ") and "
                                + pullSecret + " has none for " + registry
                                + ": add an auth (base64 of user:password) to its entry";
                    case CREDENTIALS_WITHHELD ->
                        who + " gives no token without credentials (" + http + " from "
                                + subject + "), and the credentials of " + pullSecret + " for " + registry
                                + " were not sent there: that realm " + detail;
                    case TOKEN_REFUSED ->
                        who + " refused " + subject
                                + " with the token its token server gave for the credentials of " + pullSecret + " ("
                                + http + "): the account may not pull it, or the repository does not exist";
                });
    }

    /** Whether {@code refusal} may be warned about at {@code now}; if so, the next one waits {@link #INTERVAL}. */
    synchronized boolean due(Refusal refusal, Instant now) {
        Instant last = lastWarned.get(refusal);
        if (last != null && now.isBefore(last.plus(INTERVAL))) {
            return false;
        }
        lastWarned.put(refusal, now);
        return true;
    }
}
