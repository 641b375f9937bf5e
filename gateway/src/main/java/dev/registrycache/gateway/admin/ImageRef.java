package dev.registrycache.gateway.admin;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.Reference;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.oci.RepositoryName;

/**
 * An image as operators write it, with the registry it came from: {@code quay.io/podman/hello:latest}
 * or {@code quay.io/podman/hello@sha256:...}; Docker Hub's one-part names mean {@code library/}, and
 * a registry with a port is named with it ({@code registry.local:5000/team/app:1}).
 */
record ImageRef(RepositoryName repository, Reference reference) {

    /** {@code text} as an image reference; a 400 naming what is wrong otherwise. */
    static ImageRef parse(String text) {
        int at = text.lastIndexOf('@');
        int colon = text.lastIndexOf(':');
        String name;
        String reference;
        if (at >= 0) {
            name = text.substring(0, at);
            reference = text.substring(at + 1);
        } else if (colon > text.lastIndexOf('/')) {
            name = text.substring(0, colon);
            reference = text.substring(colon + 1);
        } else {
            throw new RegistryException(
                    ErrorCode.NAME_INVALID,
                    "'" + text + "': name the image with a tag (:tag) or a digest (@sha256:...)");
        }
        return new ImageRef(repository(name), reference(text, reference));
    }

    /** A repository name with its registry prefix; a 400 otherwise. */
    static RepositoryName repository(String text) {
        RepositoryName name;
        try {
            name = RepositoryName.parse(servedName(text));
        } catch (InvalidValueException e) {
            throw new RegistryException(
                    ErrorCode.NAME_INVALID, "'" + text + "' is not a repository name: " + e.getMessage());
        }
        if (name.componentCount() < 2) {
            throw new RegistryException(
                    ErrorCode.NAME_INVALID,
                    "'" + text + "': name the registry first (quay.io/org/name, docker.io/library/name)");
        }
        if (name.firstComponent().equals(RegistryHost.DOCKER_HUB) && name.componentCount() == 2) {
            return RepositoryName.parse(RegistryHost.DOCKER_HUB + "/library/" + name.withoutFirstComponent());
        }
        return name;
    }

    /**
     * {@code text} with its registry as the store names it: a registry with a port, {@code
     * registry.local:5000/team/app}, is {@code registry.local_5000/team/app} in the store.
     */
    static String servedName(String text) {
        int slash = text.indexOf('/');
        String registry = slash < 0 ? text : text.substring(0, slash);
        return registry.replace(':', '_') + (slash < 0 ? "" : text.substring(slash));
    }

    private static Reference reference(String image, String text) {
        try {
            return Reference.parse(text);
        } catch (InvalidValueException e) {
            throw new RegistryException(
                    text.contains(":") ? ErrorCode.DIGEST_INVALID : ErrorCode.NAME_INVALID,
                    "'" + image + "': '" + text + "' is not a tag or a digest: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return repository + (reference.isDigest() ? "@" : ":") + reference;
    }
}
