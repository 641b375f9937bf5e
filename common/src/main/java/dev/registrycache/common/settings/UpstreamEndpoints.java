package dev.registrycache.common.settings;

import dev.registrycache.common.oci.RegistryHost;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code UPSTREAM_ENDPOINTS}: space separated {@code name=url} overrides of where a registry's
 * API lives, e.g. {@code quay.io=http://127.0.0.1:5000}. Without an override a registry is at
 * {@link RegistryHost#defaultEndpoint()}.
 */
public final class UpstreamEndpoints {
    private final Map<RegistryHost, URI> overrides;

    private UpstreamEndpoints(Map<RegistryHost, URI> overrides) {
        this.overrides = Collections.unmodifiableMap(overrides);
    }

    public static UpstreamEndpoints parse(String value) {
        Map<RegistryHost, URI> map = new LinkedHashMap<>();
        for (RegistryEntries.Entry entry : RegistryEntries.parse(Setting.UPSTREAM_ENDPOINTS, value, "name=url")) {
            if (map.put(entry.registry(), endpoint(entry)) != null) {
                throw bad(entry, entry.registry() + " is given twice");
            }
        }
        return new UpstreamEndpoints(map);
    }

    private static URI endpoint(RegistryEntries.Entry entry) {
        URI uri;
        try {
            uri = new URI(entry.value());
        } catch (URISyntaxException e) {
            throw bad(entry, "not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw bad(entry, "URL must start with http:// or https://");
        }
        if (uri.getHost() == null) {
            throw bad(entry, "URL has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw bad(entry, "URL must not carry credentials (they belong in the pull secret)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw bad(entry, "URL must not have a query or fragment");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        try {
            return new URI(scheme, null, uri.getHost(), uri.getPort(), path.isEmpty() ? null : path, null, null);
        } catch (URISyntaxException e) {
            throw bad(entry, "not a URL");
        }
    }

    private static ConfigException bad(RegistryEntries.Entry entry, String why) {
        return RegistryEntries.bad(Setting.UPSTREAM_ENDPOINTS, entry.text(), why);
    }

    /** The API base URL of {@code host} (no trailing slash). */
    public URI endpointFor(RegistryHost host) {
        URI u = overrides.get(host);
        return u != null ? u : host.defaultEndpoint();
    }
}
