package dev.registrycache.common.oci;

import dev.registrycache.common.InvalidValueException;
import java.util.regex.Pattern;

/**
 * A repository name in the OCI distribution grammar, e.g. {@code quay.io/podman/hello}.
 * Path components can never be {@code .} or {@code ..}, so a valid name is always safe to map to
 * a folder of the datastore.
 */
public final class RepositoryName implements Comparable<RepositoryName> {
    /** distribution refuses names longer than this. */
    public static final int MAX_LENGTH = 255;

    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");

    private final String name;

    private RepositoryName(String name) {
        this.name = name;
    }

    public static RepositoryName parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidValueException("repository name is empty");
        }
        if (text.length() > MAX_LENGTH) {
            throw new InvalidValueException("repository name longer than " + MAX_LENGTH + " characters");
        }
        for (String component : text.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw new InvalidValueException("invalid repository name: " + text);
            }
        }
        return new RepositoryName(text);
    }

    /** The first path component: for cache names, the registry prefix. */
    public String firstComponent() {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(0, slash);
    }

    /** The name without its first component, or null for a one-component name. */
    public RepositoryName withoutFirstComponent() {
        int slash = name.indexOf('/');
        return slash < 0 ? null : new RepositoryName(name.substring(slash + 1));
    }

    public RepositoryName prefixedWith(String component) {
        return parse(component + "/" + name);
    }

    public int componentCount() {
        return name.split("/").length;
    }

    public String[] components() {
        return name.split("/");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepositoryName r && r.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public int compareTo(RepositoryName o) {
        return name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
