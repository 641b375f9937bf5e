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
 * Tells the operator that the upstream cannot be reached, or will not serve the cache with what
 * its pull-secret entry holds. Clients see only a 503 or 401, or an old tag served from the
 * store, and the fix is on the operator's side (a file they cannot see, the network); so the
 * node says which registry, which file and what to change. One WARN line per kind of trouble and
 * {@link #INTERVAL} at most: a storm of failed requests must not flood the log.
 */
public final class UpstreamWarnings {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamWarnings.class);
    static final Duration INTERVAL = Duration.ofMinutes(1);

    /** What went wrong. */
    enum Trouble {
        /** The upstream, its token server or the target of its redirect did not answer. */
        UNREACHABLE,
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
    private final URI endpoint;
    private final String upstream;
    private final boolean hasCredentials;
    private final String pullSecret;
    private final Clock clock;
    private final Map<Trouble, Instant> lastWarned = new EnumMap<>(Trouble.class);

    /** {@code pullSecretFile}: the file the credentials come from, named in the WARN lines (empty: not known). */
    public UpstreamWarnings(
            String registry, URI upstream, boolean hasCredentials, Optional<Path> pullSecretFile, Clock clock) {
        this.registry = registry;
        this.endpoint = upstream;
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
            warn(Trouble.CREDENTIALS_WANTED, "the registry", 401, "");
        } else if (sent != null && sent.startsWith("Basic ")) {
            warn(Trouble.CREDENTIALS_REFUSED, "the registry", 401, "");
        } else if (sent != null && sent.startsWith("Bearer ")) {
            warn(Trouble.TOKEN_REFUSED, repository == null ? "a request" : "repository " + repository, 401, "");
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
            warn(Trouble.CREDENTIALS_REFUSED, who, status, "");
        } else if (!hasCredentials) {
            warn(Trouble.CREDENTIALS_WANTED, who, status, "");
        } else {
            warn(Trouble.CREDENTIALS_WITHHELD, who, status, withheldBecause.orElse(""));
        }
    }

    /** {@code target} (the upstream, its token server or a redirect's target) could not be reached: {@code reason}. */
    void unreachable(URI target, String reason) {
        warn(Trouble.UNREACHABLE, UpstreamClient.sameOrigin(target, endpoint) ? "" : Hosts.origin(target), 0, reason);
    }

    private void warn(Trouble trouble, String subject, int status, String detail) {
        if (!due(trouble, clock.instant())) {
            return;
        }
        String who = "upstream " + registry + " (" + upstream + ")";
        String http = "HTTP " + status;
        LOG.warn(
                switch (trouble) {
                    case UNREACHABLE ->
                        who + (subject.isEmpty() ? "" : ": " + subject) + " cannot be reached: " + detail
                                + "; the cache answers from what it holds, and 503 for the rest";
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

    /** Whether {@code trouble} may be warned about at {@code now}; if so, the next one waits {@link #INTERVAL}. */
    synchronized boolean due(Trouble trouble, Instant now) {
        Instant last = lastWarned.get(trouble);
        if (last != null && now.isBefore(last.plus(INTERVAL))) {
            return false;
        }
        lastWarned.put(trouble, now);
        return true;
    }
}
