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

/**
 * Which node serves a request: {@code /v2/<registry>/...} by its first component, and the
 * mirror form {@code /v2/<repository>/...?ns=<registry>} (what containerd sends to a mirror)
 * as if the path had the prefix.
 */
final class Routes {
    private final Map<String, URI> nodes;

    Routes(Map<String, URI> nodes) {
        this.nodes = nodes;
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
            prefix = slash < 0 ? rest : rest.substring(0, slash);
            nodePath = path;
        }
        URI node = nodes.get(prefix);
        if (node == null) {
            throw unknown(prefix);
        }
        return new Target(prefix, node, nodePath + query, routeOf(nodePath));
    }

    private static ApiRoute routeOf(String nodePath) {
        try {
            return ApiRoute.parse(nodePath);
        } catch (RegistryException e) {
            return null;
        }
    }

    private static RegistryException unknown(String registry) {
        String shown = registry.length() > 100 ? registry.substring(0, 100) + "..." : registry;
        return new RegistryException(
                ErrorCode.NAME_UNKNOWN, "this cache does not serve registry " + shown, Map.of("registry", shown));
    }
}
