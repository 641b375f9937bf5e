package dev.registrycache.gateway.admin;

import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;

/**
 * One request of the admin API, as its method and path name it: what it does ({@link Action}),
 * and the rest of the path after the collection (an image, a repository or a digest; empty for a
 * listing). The routes are listed in the README, section "Operations".
 */
record AdminRoute(Action action, Collection collection, String target) {
    static final String PREFIX = "/admin/v1/";

    /** What an admin request does: the audit trail's and the metrics' word for it. */
    enum Action {
        LIST,
        PURGE,
        PIN,
        UNPIN,
        QUARANTINE,
        RELEASE,
        UNKNOWN;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The collections under {@code /admin/v1/}. */
    enum Collection {
        REGISTRIES("registries"),
        REPOSITORIES("repositories"),
        IMAGES("images"),
        PINS("pins"),
        QUARANTINE("quarantine");

        final String segment;

        Collection(String segment) {
            this.segment = segment;
        }
    }

    /** The route of {@code method} on {@code path}; a 404 or 405 that says what exists otherwise. */
    static AdminRoute of(String method, String path) {
        if (!path.startsWith(PREFIX)) {
            throw notFound(path);
        }
        String rest = path.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String segment = slash < 0 ? rest : rest.substring(0, slash);
        String target = slash < 0 ? "" : rest.substring(slash + 1);
        for (Collection c : Collection.values()) {
            if (c.segment.equals(segment)) {
                return new AdminRoute(action(method, c, target.isEmpty(), path), c, target);
            }
        }
        throw notFound(path);
    }

    /** The action {@code method} asks of the path, for the audit trail even of a request refused before routing. */
    static Action actionOf(String method, String path) {
        try {
            return of(method, path).action();
        } catch (RegistryException e) {
            return Action.UNKNOWN;
        }
    }

    private static Action action(String method, Collection c, boolean whole, String path) {
        Action action = switch (method) {
            case "GET", "HEAD" ->
                c == Collection.IMAGES || (!whole && c != Collection.REPOSITORIES) ? null : Action.LIST;
            case "DELETE" ->
                whole
                        ? null
                        : switch (c) {
                            case REPOSITORIES, IMAGES -> Action.PURGE;
                            case PINS -> Action.UNPIN;
                            case QUARANTINE -> Action.RELEASE;
                            case REGISTRIES -> null;
                        };
            case "PUT" ->
                whole
                        ? null
                        : switch (c) {
                            case PINS -> Action.PIN;
                            case QUARANTINE -> Action.QUARANTINE;
                            default -> null;
                        };
            default -> null;
        };
        if (action == null) {
            if (c == Collection.REGISTRIES && !whole) {
                throw notFound(path);
            }
            throw new RegistryException(
                    ErrorCode.UNSUPPORTED,
                    method + " is not an operation of " + path + " (see the README, \"Operations\")");
        }
        return action;
    }

    private static RegistryException notFound(String path) {
        return new RegistryException(
                ErrorCode.NOT_FOUND,
                path + " is not a route of the admin API: it has " + PREFIX
                        + "registries, repositories, images, pins and quarantine");
    }
}
