package dev.registrycache.node.upstream;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an upstream's redirect may take the cache. Registries redirect blob downloads to their
 * CDN, but the target is the upstream's choice: followed blindly, it would make the cache fetch
 * from what only the cache can reach (the cloud metadata service at 169.254.169.254, a service
 * on localhost, the cache's own ports) and relay the answer to the client. So a redirect goes to
 * http or https only, and not to a loopback, link-local, unspecified or multicast address, nor to
 * an address of this host, unless private targets are allowed (tests, mirrors on this host or
 * its link). The upstream's own host is always fine: going there takes the cache nowhere the
 * operator did not point it.
 *
 * <p>The check resolves the target's name; the connection resolves it again, which the JVM
 * answers from its address cache, so a rebinding name has a window of one cache expiry.
 */
public final class RedirectPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(RedirectPolicy.class);
    private static final List<String> SCHEMES = List.of("http", "https");

    private final URI upstream;
    private final boolean allowPrivateTargets;

    public RedirectPolicy(URI upstream, boolean allowPrivateTargets) {
        this.upstream = upstream;
        this.allowPrivateTargets = allowPrivateTargets;
    }

    /** Returns if the cache may follow a redirect to {@code target}; else throws, naming it. */
    public void check(URI target) throws UpstreamException {
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(scheme)) {
            throw refused(
                    scheme.isEmpty() ? "a URL without a scheme" : "a " + scheme + ": URL",
                    "only http and https are followed",
                    "");
        }
        String host = target.getHost();
        if (host == null || host.isEmpty()) {
            throw refused("an " + scheme + ": URL without a host", "it names no host", "");
        }
        if (allowPrivateTargets || Hosts.sameHost(Hosts.of(target), Hosts.of(upstream))) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(Hosts.unbracket(host));
        } catch (UnknownHostException e) {
            throw UpstreamException.unreachable(
                    "the upstream redirected to " + Hosts.origin(target) + ", whose host is unknown", e);
        }
        List<InetAddress> upstreamAddresses = null;
        for (InetAddress address : addresses) {
            String kind = privateKind(address);
            if (kind == null) {
                continue;
            }
            if (upstreamAddresses == null) {
                upstreamAddresses = addressesOf(upstream.getHost());
            }
            if (!upstreamAddresses.contains(address)) {
                throw refused(
                        Hosts.origin(target), "it is " + kind, " (UPSTREAM_ALLOW_PRIVATE_REDIRECTS=true allows it)");
            }
        }
    }

    /**
     * What makes {@code address} a target the cache should not be bounced to, e.g.
     * {@code "a loopback address"}; null for an ordinary (public or site-local) address.
     */
    static String privateKind(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address";
        }
        if (address.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        if (address.isMulticastAddress()) {
            return "a multicast address";
        }
        if (address instanceof Inet4Address && (address.getAddress()[0] & 0xff) == 0) {
            return "an address of \"this network\" (0.0.0.0/8)";
        }
        if (address instanceof Inet6Address v6 && v6.isIPv4CompatibleAddress()) {
            String embedded = privateKind(ipv4(Arrays.copyOfRange(v6.getAddress(), 12, 16)));
            if (embedded != null) {
                return embedded;
            }
        }
        if (isOwnAddress(address)) {
            return "an address of the cache's own host";
        }
        return null;
    }

    private static InetAddress ipv4(byte[] fourBytes) {
        try {
            return InetAddress.getByAddress(fourBytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an IPv4 address
        }
    }

    /** True if a network interface of this host has {@code address}: the cache listens there. */
    private static boolean isOwnAddress(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false; // cannot tell: the checks above still hold
        }
    }

    private static List<InetAddress> addressesOf(String host) {
        try {
            return List.of(InetAddress.getAllByName(Hosts.unbracket(host)));
        } catch (UnknownHostException e) {
            return List.of();
        }
    }

    /** The error for the client, and a WARN line for the operator, who may want to allow it. */
    private static UpstreamException refused(String target, String reason, String remedy) {
        String message =
                "the upstream registry redirected the cache to " + target + ", which it does not follow: " + reason;
        LOG.warn("{}{}", message, remedy);
        return new UpstreamException(UpstreamException.Kind.REDIRECT_REFUSED, 0, message, -1, null);
    }
}
