package dev.registrycache.node.upstream;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * How the hosts of two URLs compare, by their names alone (nothing is looked up): the redirect
 * and token-realm rules both ask whether a URL is on the upstream's own host, and the realm rule
 * also whether it is on the upstream's registrable domain.
 *
 * <p>The registrable domain is the name one below its public suffix, as the Public Suffix List
 * (Guava's copy) draws it, private suffixes included: {@code auth.docker.io} and
 * {@code registry-1.docker.io} share {@code docker.io}, while {@code a.co.uk} and {@code b.co.uk},
 * or two {@code herokuapp.com} tenants, share nothing. A name under no listed suffix
 * ({@code localhost}, {@code registry.corp}) and an IP address have no registrable domain: they
 * match only themselves.
 */
final class Hosts {
    private Hosts() {}

    /** The host of {@code uri}, {@link #normalize normalized}; null if it has none. */
    static String of(URI uri) {
        return normalize(uri.getHost());
    }

    /** {@code host} in lower case, without IPv6 brackets or a trailing dot; null if null or empty. */
    static String normalize(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        String h = unbracket(host.toLowerCase(Locale.ROOT));
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** True if both name the same host: the same name, or IP literals of the same address (any port). */
    static boolean sameHost(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        if (InetAddresses.isInetAddress(a) && InetAddresses.isInetAddress(b)) {
            return InetAddresses.forString(a).equals(InetAddresses.forString(b));
        }
        return a.equals(b);
    }

    /** True if both are the {@link #sameHost same host}, or names with the same registrable domain. */
    static boolean sameSite(String a, String b) {
        if (sameHost(a, b)) {
            return true;
        }
        Optional<String> domain = registrableDomain(a);
        return domain.isPresent() && domain.equals(registrableDomain(b));
    }

    /** E.g. {@code docker.io} for {@code auth.docker.io}; empty for IP addresses and names under no public suffix. */
    static Optional<String> registrableDomain(String host) {
        if (host == null || InetAddresses.isInetAddress(host) || !InternetDomainName.isValid(host)) {
            return Optional.empty();
        }
        InternetDomainName name = InternetDomainName.from(host);
        return name.isUnderPublicSuffix() ? Optional.of(name.topPrivateDomain().toString()) : Optional.empty();
    }

    static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** scheme://host[:port] of {@code uri}: enough to name it, without a path or a signed query. */
    static String origin(URI uri) {
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost()
                + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    }
}
