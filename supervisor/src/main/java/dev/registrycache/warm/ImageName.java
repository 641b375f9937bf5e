package dev.registrycache.warm;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.Reference;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;

/**
 * An image as users write it to {@code docker pull}, normalised as Docker does: {@code alpine},
 * {@code library/alpine:latest} and {@code docker.io/alpine} are all {@code
 * docker.io/library/alpine:latest}; a first component with a dot or a colon, or {@code localhost},
 * names the registry ({@code quay.io/podman/hello}, {@code registry.local:5000/team/app}); no tag
 * means {@code latest}; with a digest ({@code name@sha256:...}, {@code name:tag@sha256:...}) the
 * digest is what is fetched.
 */
final class ImageName {
    private static final Tag LATEST = Tag.parse("latest");

    private final RegistryHost registry;
    private final RepositoryName repository;
    private final Tag tag;
    private final Digest digest;

    private ImageName(RegistryHost registry, RepositoryName repository, Tag tag, Digest digest) {
        this.registry = registry;
        this.repository = repository;
        this.tag = tag;
        this.digest = digest;
    }

    /** Parses an image name; throws {@link InvalidValueException} saying what is wrong with it. */
    static ImageName parse(String text) {
        String rest = text.strip();
        if (rest.isEmpty()) {
            throw new InvalidValueException("an empty image name");
        }
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = Digest.parse(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        Tag tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            String tagText = rest.substring(colon + 1);
            if (!Tag.isValid(tagText)) {
                throw new InvalidValueException("'" + tagText + "' is not a valid tag");
            }
            tag = Tag.parse(tagText);
            rest = rest.substring(0, colon);
        }
        RegistryHost registry = RegistryHost.fromKey(RegistryHost.DOCKER_HUB);
        int slash = rest.indexOf('/');
        if (slash > 0 && namesARegistry(rest.substring(0, slash))) {
            registry = RegistryHost.fromKey(rest.substring(0, slash));
            rest = rest.substring(slash + 1);
        }
        if (registry.isDockerHub() && rest.indexOf('/') < 0) {
            rest = "library/" + rest;
        }
        return new ImageName(
                registry, RepositoryName.parse(rest), tag == null && digest == null ? LATEST : tag, digest);
    }

    /** Docker's rule: a first component that holds a dot or a colon, or is {@code localhost}, is a registry. */
    private static boolean namesARegistry(String first) {
        return first.contains(".") || first.contains(":") || first.equals("localhost");
    }

    RegistryHost registry() {
        return registry;
    }

    /** What to fetch: the digest when one is given, else the tag. */
    Reference reference() {
        return digest != null ? Reference.of(digest) : Reference.of(tag);
    }

    /** The repository as the cache names it: {@code docker.io/library/alpine}, {@code registry.local_5000/team/app}. */
    String cacheRepository() {
        return registry.prefix() + "/" + repository;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageName other && other.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    /** The whole name: {@code docker.io/library/alpine:3.19}, {@code quay.io/podman/hello@sha256:...}. */
    @Override
    public String toString() {
        return registry.name() + "/" + repository + (tag == null ? "" : ":" + tag)
                + (digest == null ? "" : "@" + digest);
    }
}
