package dev.registrycache.common;

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

    public static UpstreamEndpoints none() {
        return new UpstreamEndpoints(Map.of());
    }

    public static UpstreamEndpoints parse(String value) {
        Map<RegistryHost, URI> map = new LinkedHashMap<>();
        if (value == null || value.isBlank()) {
            return new UpstreamEndpoints(map);
        }
        for (String entry : value.trim().split("\\s+")) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw bad(entry, "expected name=url");
            }
            RegistryHost host;
            try {
                host = RegistryHost.fromKey(entry.substring(0, eq));
            } catch (InvalidValueException e) {
                throw bad(entry, e.getMessage());
            }
            URI uri;
            try {
                uri = new URI(entry.substring(eq + 1));
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
                uri = new URI(scheme, null, uri.getHost(), uri.getPort(), path.isEmpty() ? null : path, null, null);
            } catch (URISyntaxException e) {
                throw bad(entry, "not a URL");
            }
            if (map.put(host, uri) != null) {
                throw bad(entry, host + " is given twice");
            }
        }
        return new UpstreamEndpoints(map);
    }

    private static ConfigException bad(String entry, String why) {
        String shown = entry.replaceAll("//[^/@]*@", "//****@");
        return new ConfigException("UPSTREAM_ENDPOINTS: entry '" + shown + "': " + why);
    }

    /** The API base URL of {@code host} (no trailing slash). */
    public URI endpointFor(RegistryHost host) {
        URI u = overrides.get(host);
        return u != null ? u : host.defaultEndpoint();
    }

    public Map<RegistryHost, URI> overrides() {
        return overrides;
    }
}
