package dev.registrycache.common.settings;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.RegistryHost;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The registry that serves repositories named without a registry prefix ({@code DEFAULT_REGISTRY}):
 * what Docker Engine asks a {@code registry-mirrors} entry for ({@code /v2/library/alpine/...}).
 * Unset: {@code docker.io} when the cache serves it, else none; {@code none} turns the route off.
 */
public final class DefaultRegistry {
    /** The value that turns the route off. */
    public static final String NONE = "none";

    private DefaultRegistry() {}

    /** The default registry for a cache serving {@code served}; refuses a registry it does not serve. */
    public static Optional<RegistryHost> resolve(Map<String, String> env, Collection<RegistryHost> served) {
        String value = Setting.DEFAULT_REGISTRY.resolve(null, env);
        if (value == null) {
            return served.stream().filter(RegistryHost::isDockerHub).findFirst();
        }
        if (value.equalsIgnoreCase(NONE)) {
            return Optional.empty();
        }
        RegistryHost registry;
        try {
            registry = RegistryHost.fromKey(value);
        } catch (InvalidValueException e) {
            throw new ConfigException(
                    "DEFAULT_REGISTRY: " + e.getMessage() + "; give a registry of the pull secret, or " + NONE);
        }
        if (!served.contains(registry)) {
            throw new ConfigException("DEFAULT_REGISTRY: '" + value + "' is not a registry this cache serves ("
                    + served.stream().map(RegistryHost::name).collect(Collectors.joining(", "))
                    + "); give one of them, or " + NONE);
        }
        return Optional.of(registry);
    }
}
