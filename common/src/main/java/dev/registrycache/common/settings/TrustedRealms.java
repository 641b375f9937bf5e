package dev.registrycache.common.settings;

import dev.registrycache.common.oci.RegistryHost;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code UPSTREAM_TRUSTED_REALMS}: space separated {@code name=host} entries, each a host whose
 * token realm may receive registry {@code name}'s pull-secret credentials although it is neither
 * the registry's host nor in its registrable domain, e.g. {@code nvcr.io=authn.nvidia.com}. A
 * name may come more than once. Without an entry a registry's credentials go only to realms on
 * its own host or domain (the node's {@code TokenRealmPolicy}).
 */
public final class TrustedRealms {
    private final Map<RegistryHost, Set<String>> hosts;

    private TrustedRealms(Map<RegistryHost, Set<String>> hosts) {
        this.hosts = hosts;
    }

    public static TrustedRealms parse(String value) {
        Map<RegistryHost, Set<String>> map = new LinkedHashMap<>();
        for (RegistryEntries.Entry entry : RegistryEntries.parse(
                Setting.UPSTREAM_TRUSTED_REALMS, value, "name=host, e.g. nvcr.io=authn.nvidia.com")) {
            map.computeIfAbsent(entry.registry(), r -> new LinkedHashSet<>()).add(host(entry));
        }
        map.replaceAll((registry, set) -> Set.copyOf(set));
        return new TrustedRealms(Map.copyOf(map));
    }

    /** The hosts trusted for {@code registry}'s token realm besides its own, in lower case; often none. */
    public Set<String> hostsFor(RegistryHost registry) {
        return hosts.getOrDefault(registry, Set.of());
    }

    /** A bare host name or IP address (IPv6 in brackets): no scheme, user, port, path or wildcard. */
    private static String host(RegistryEntries.Entry entry) {
        String host = entry.value().toLowerCase(Locale.ROOT);
        try {
            if (host.equals(new URI("https://" + host + "/").getHost())) {
                return host;
            }
        } catch (URISyntaxException e) {
            // not a host: said below
        }
        throw RegistryEntries.bad(
                Setting.UPSTREAM_TRUSTED_REALMS,
                entry.text(),
                "'" + entry.value()
                        + "' is not a host name (give the realm's host alone, without scheme, port or path)");
    }
}
