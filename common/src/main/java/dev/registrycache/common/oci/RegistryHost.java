package dev.registrycache.common.oci;

import dev.registrycache.common.InvalidValueException;
import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An upstream registry as named by a pull-secret key, normalised the way Docker and podman write
 * keys: {@code https://index.docker.io/v1/}, {@code index.docker.io} and
 * {@code registry-1.docker.io} are all {@code docker.io}. A key with a port
 * ({@code registry.local:5000}) is served under the prefix {@code registry.local_5000}, since ':'
 * is not allowed in repository names while '_' can never appear in a host name.
 */
public final class RegistryHost implements Comparable<RegistryHost> {
    public static final String DOCKER_HUB = "docker.io";
    private static final Pattern HOST =
            Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?");

    private final String name;

    private RegistryHost(String name) {
        this.name = name;
    }

    /** Normalises a pull-secret key; throws {@link InvalidValueException} if it is no host. */
    public static RegistryHost fromKey(String key) {
        if (key == null || key.isBlank()) {
            throw new InvalidValueException("empty registry name");
        }
        String s = key.trim().toLowerCase(Locale.ROOT);
        int scheme = s.indexOf("://");
        if (scheme >= 0) {
            s = s.substring(scheme + 3);
        }
        int slash = s.indexOf('/');
        if (slash >= 0) {
            s = s.substring(0, slash);
        }
        if (s.equals("index.docker.io") || s.equals("registry-1.docker.io") || s.equals("registry.hub.docker.com")) {
            s = DOCKER_HUB;
        }
        if (!HOST.matcher(s).matches() || s.length() > 200) {
            throw new InvalidValueException("not a registry host name: '" + key + "'");
        }
        int colon = s.indexOf(':');
        if (colon >= 0) {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new InvalidValueException("port out of range in '" + key + "'");
            }
        }
        return new RegistryHost(s);
    }

    /** The canonical name: {@code quay.io}, {@code docker.io}, {@code registry.local:5000}. */
    public String name() {
        return name;
    }

    /** The first component of every repository this registry is served under. */
    public String prefix() {
        return name.replace(':', '_');
    }

    public boolean isDockerHub() {
        return name.equals(DOCKER_HUB);
    }

    /** {@code https://<name>}, or Docker Hub's real API host for {@code docker.io}. */
    public URI defaultEndpoint() {
        return URI.create(isDockerHub() ? "https://registry-1.docker.io" : "https://" + name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegistryHost r && r.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public int compareTo(RegistryHost o) {
        return name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
