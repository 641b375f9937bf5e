package dev.registrycache.common.oci;

/**
 * How a client's name maps for one node: {@code quay.io/podman/hello} is stored under that
 * name and asked upstream as {@code podman/hello}; on Docker Hub a one-part repository means
 * {@code library/<name>} on both sides.
 */
public final class NameMapping {
    private final RegistryHost registry;

    public NameMapping(RegistryHost registry) {
        this.registry = registry;
    }

    public RegistryHost registry() {
        return registry;
    }

    /** The names a client's repository name stands for. */
    public record Names(RepositoryName store, String upstream) {}

    public Names map(RepositoryName clientName) {
        RepositoryName repo = clientName.withoutFirstComponent();
        if (!clientName.firstComponent().equals(registry.prefix()) || repo == null) {
            throw new RegistryException(
                    ErrorCode.NAME_UNKNOWN,
                    "repository name not known to registry: this node serves " + registry.prefix() + "/...",
                    java.util.Map.of("name", clientName.toString()));
        }
        if (registry.isDockerHub() && repo.componentCount() == 1) {
            repo = repo.prefixedWith("library");
        }
        return new Names(repo.prefixedWith(registry.prefix()), repo.toString());
    }
}
