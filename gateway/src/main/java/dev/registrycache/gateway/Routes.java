package dev.registrycache.gateway;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.http.ApiRoute;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RegistryHost;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Which node serves a request, in this order: the mirror form {@code /v2/<repository>/...?ns=<registry>}
 * (what containerd sends to a mirror) as if the path had the prefix; {@code /v2/<prefix>/...} by
 * its first component when that is a served registry's prefix; a first component that names a
 * registry host (it holds a '.' or a ':', or is {@code localhost}, as Docker reads image names)
 * and is not served: {@code 404 NAME_UNKNOWN}; anything else is a repository of the default
 * registry, if there is one ({@code /v2/library/alpine/...}, what Docker Engine asks a
 * {@code registry-mirrors} entry for). Docker Hub's names never hold a '.' in their first
 * component, so a prefix and a Docker Hub repository never collide.
 */
final class Routes {
    private final Map<String, URI> nodes;
    /** The default registry's prefix, or null. */
    private final String defaultPrefix;

    Routes(Map<String, URI> nodes, Optional<RegistryHost> defaultRegistry) {
        this.nodes = nodes;
        this.defaultPrefix = defaultRegistry.map(RegistryHost::prefix).orElse(null);
    }

    /**
     * A request's destination: the node and the path and query to ask it, and the API route that
     * path names (null when it names none: the node answers with the error).
     */
    record Target(String prefix, URI node, String pathAndQuery, ApiRoute route) {}

    /** Resolves an API path below {@code /v2/} (not {@code /v2/} itself) with its raw query. */
    Target resolve(String path, String rawQuery) {
        String rest = path.substring("/v2/".length());
        String ns = null;
        StringBuilder query = new StringBuilder();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String param : rawQuery.split("&")) {
                if (param.startsWith("ns=")) {
                    ns = URLDecoder.decode(param.substring(3), StandardCharsets.UTF_8);
                } else if (!param.isEmpty()) {
                    query.append(query.length() == 0 ? "?" : "&").append(param);
                }
            }
        }
        String prefix;
        String nodePath;
        if (ns != null) {
            try {
                prefix = RegistryHost.fromKey(ns).prefix();
            } catch (InvalidValueException e) {
                throw unknown(ns);
            }
            nodePath = "/v2/" + prefix + "/" + rest;
        } else {
            int slash = rest.indexOf('/');
            String first = slash < 0 ? rest : rest.substring(0, slash);
            if (defaultPrefix == null || nodes.containsKey(first) || namesRegistry(first)) {
                prefix = first;
                nodePath = path;
            } else {
                prefix = defaultPrefix;
                nodePath = "/v2/" + prefix + "/" + rest;
            }
        }
        URI node = nodes.get(prefix);
        if (node == null) {
            throw ns == null && !namesRegistry(prefix) ? unknownWithoutDefault(prefix) : unknown(prefix);
        }
        return new Target(prefix, node, nodePath + query, routeOf(nodePath));
    }

    /** Whether Docker would read this first component of an image name as a registry host. */
    private static boolean namesRegistry(String first) {
        return first.indexOf('.') >= 0 || first.indexOf(':') >= 0 || first.equals("localhost");
    }

    private static ApiRoute routeOf(String nodePath) {
        try {
            return ApiRoute.parse(nodePath);
        } catch (RegistryException e) {
            return null;
        }
    }

    private static RegistryException unknownWithoutDefault(String first) {
        String shown = first.length() > 100 ? first.substring(0, 100) + "..." : first;
        return new RegistryException(
                ErrorCode.NAME_UNKNOWN,
                "this cache does not serve registry " + shown
                        + ", and names without a registry prefix have no default registry here (DEFAULT_REGISTRY)",
                Map.of("registry", shown));
    }

    private static RegistryException unknown(String registry) {
        String shown = registry.length() > 100 ? registry.substring(0, 100) + "..." : registry;
        return new RegistryException(
                ErrorCode.NAME_UNKNOWN, "this cache does not serve registry " + shown, Map.of("registry", shown));
    }
}
