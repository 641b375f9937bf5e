package dev.registrycache.admin;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.Tag;
import java.util.regex.Pattern;

/**
 * The names an admin command takes, checked before any request: as the admin API names them, with
 * the registry first ({@code quay.io/podman/hello:latest}, {@code docker.io/library/alpine@sha256:...});
 * the cache judges whether it serves them. What passes goes into the request's path as typed, so
 * only the characters of names, tags and digests pass, and no part of a path that is empty or dots.
 */
final class AdminNames {
    private static final Pattern CHARACTERS = Pattern.compile("[A-Za-z0-9._/:@-]+");
    /** A part of a path that no name has and that would change the request's path: {@code //}, {@code /./}, {@code /../}. */
    private static final Pattern DOT_OR_EMPTY_PART = Pattern.compile("(^|/)\\.{0,2}(/|$)");

    private AdminNames() {}

    /** An image with its registry, and either a {@code :tag} or an {@code @digest}. */
    static String image(String text) {
        String name = characters(text, "image");
        int at = name.indexOf('@');
        String repository = at >= 0 ? name.substring(0, at) : name;
        int colon = repository.lastIndexOf(':');
        boolean tagged = colon > repository.lastIndexOf('/');
        withRegistry(
                tagged ? repository.substring(0, colon) : repository,
                name,
                "docker.io/library/alpine:3.20, quay.io/podman/hello:latest");
        if (at >= 0) {
            if (tagged) {
                throw new InvalidValueException("'" + name + "': give a :tag or an @digest, not both");
            }
            digest(name.substring(at + 1));
        } else if (tagged) {
            if (!Tag.isValid(name.substring(colon + 1))) {
                throw new InvalidValueException("'" + name.substring(colon + 1) + "' is not a valid tag");
            }
        } else {
            throw new InvalidValueException(
                    "'" + name + "' names no tag or digest: give " + name + ":<tag> or " + name + "@sha256:<hex>");
        }
        return name;
    }

    /** A digest, {@code sha256:<64 hex>}. */
    static Digest digest(String text) {
        try {
            return Digest.parse(text.strip());
        } catch (InvalidValueException e) {
            throw new InvalidValueException("'" + text.strip() + "' is not a digest (sha256:<64 hex digits>)");
        }
    }

    /** A repository with its registry, without tag or digest. */
    static String repository(String text) {
        String name = characters(text, "repository");
        withRegistry(name, name, "docker.io/library/alpine, quay.io/podman/hello");
        if (name.indexOf('@') >= 0 || name.lastIndexOf(':') > name.lastIndexOf('/')) {
            throw new InvalidValueException("'" + name + "' names an image, not a repository: leave out its "
                    + (name.indexOf('@') >= 0 ? "@digest" : ":tag"));
        }
        return name;
    }

    /** A registry as the cache serves it: {@code quay.io}, {@code docker.io}. */
    static String registry(String text) {
        String name = characters(text, "registry");
        if (name.indexOf('/') >= 0 || name.indexOf('@') >= 0) {
            throw new InvalidValueException("'" + name + "' is not a registry name");
        }
        return name;
    }

    private static String characters(String text, String what) {
        String name = text.strip();
        if (name.isEmpty()) {
            throw new InvalidValueException("an empty " + what + " name");
        }
        if (!CHARACTERS.matcher(name).matches()
                || DOT_OR_EMPTY_PART.matcher(name).find()) {
            throw new InvalidValueException(
                    "'" + name + "' is not " + (what.startsWith("i") ? "an " : "a ") + what + " name");
        }
        return name;
    }

    /** Refuses a repository without its registry: the admin API takes the registry as first component. */
    private static void withRegistry(String repository, String name, String examples) {
        int slash = repository.indexOf('/');
        if (slash <= 0 || slash == repository.length() - 1) {
            throw new InvalidValueException(
                    "'" + name + "': name the registry first, as the cache serves it (" + examples + ")");
        }
    }
}
