package dev.registrycache.node.upstream;

import dev.registrycache.common.settings.Credentials;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which token realms get the pull secret's credentials. A Bearer challenge names the realm to
 * fetch tokens from, and the realm is the upstream's choice: trusted blindly, an upstream that is
 * hostile, compromised or answered by someone on the path (plain HTTP) collects the credentials
 * by naming a server of its own (distribution's CVE-2026-33540). So they go only to a realm on
 * the upstream's own host (any port: token servers often run on another), on its registrable
 * domain ({@code registry-1.docker.io} → {@code auth.docker.io}), or on a host the operator
 * trusts for this registry ({@code UPSTREAM_TRUSTED_REALMS}); and never over plain HTTP when the
 * upstream is HTTPS. Any other realm is asked anonymously, so public images keep working, and
 * the operator gets one WARN per realm saying so.
 */
public final class TokenRealmPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(TokenRealmPolicy.class);
    /** Realms warned about at most: an upstream naming a new realm each time must not flood the log or fill the heap. */
    private static final int MAX_WARNED = 100;

    /** Why a realm may not have the credentials, as the WARN says it. */
    enum Objection {
        NOT_HTTP("is not an http or https URL"),
        PLAIN_HTTP("is plain HTTP while the upstream is HTTPS"),
        NO_HOST("names no host"),
        ANOTHER_SITE("is neither on the upstream's host nor in its domain");

        private final String reason;

        Objection(String reason) {
            this.reason = reason;
        }
    }

    private final String registry;
    private final URI upstream;
    private final Set<String> trustedHosts;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** {@code trustedHosts}: hosts besides the upstream's own host and domain (lower case; IPv6 in brackets or not). */
    public TokenRealmPolicy(String registry, URI upstream, Set<String> trustedHosts) {
        this.registry = registry;
        this.upstream = upstream;
        this.trustedHosts = trustedHosts.stream().map(Hosts::normalize).collect(Collectors.toUnmodifiableSet());
    }

    /** {@code credentials} if {@code realm} may have them; else empty, with a WARN the first time for that realm. */
    Optional<Credentials> credentialsFor(URI realm, Optional<Credentials> credentials) {
        if (credentials.isEmpty()) {
            return credentials;
        }
        Optional<Objection> objection = objection(realm);
        if (objection.isEmpty()) {
            return credentials;
        }
        String named = realm.toString().replaceFirst("\\?.*", ""); // its query holds the scope: no help in a log
        if (warned.size() < MAX_WARNED && warned.add(named)) {
            LOG.warn(
                    "registry {} (upstream {}) names the token realm {}, which {}: the pull secret's credentials were"
                            + " not sent there, tokens are asked for anonymously",
                    registry,
                    Hosts.origin(upstream),
                    named,
                    withheldBecause(realm, objection.get()));
        }
        return Optional.empty();
    }

    /**
     * Why {@code realm} may not have the credentials, and what would let it, as the WARN lines say
     * it ("is plain HTTP while..."); empty if it may have them.
     */
    Optional<String> withheldBecause(URI realm) {
        return objection(realm).map(o -> withheldBecause(realm, o));
    }

    private String withheldBecause(URI realm, Objection objection) {
        return objection.reason
                + (objection != Objection.ANOTHER_SITE
                        ? ""
                        : " (if it is the registry's own token server, UPSTREAM_TRUSTED_REALMS=" + registry + "="
                                + realm.getHost() + " lets it have them)");
    }

    /** Why {@code realm} may not have the credentials; empty if it may. */
    Optional<Objection> objection(URI realm) {
        String scheme = realm.getScheme() == null ? "" : realm.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of(Objection.NOT_HTTP);
        }
        if (scheme.equals("http") && "https".equalsIgnoreCase(upstream.getScheme())) {
            return Optional.of(Objection.PLAIN_HTTP);
        }
        String host = Hosts.of(realm);
        if (host == null) {
            return Optional.of(Objection.NO_HOST);
        }
        if (Hosts.sameSite(host, Hosts.of(upstream)) || trustedHosts.stream().anyMatch(t -> Hosts.sameHost(t, host))) {
            return Optional.empty();
        }
        return Optional.of(Objection.ANOTHER_SITE);
    }
}
