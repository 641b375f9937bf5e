package dev.registrycache.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.oci.Digest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpMethod;

/**
 * One request to the admin API, named for the route it takes: the one place that knows the API's
 * paths (the table of routes of the admin API). Names come validated by
 * {@link AdminNames}, so that they go into a path as typed.
 *
 * @param path from {@code /admin/v1/}, with its query
 * @param body JSON, or null for none
 */
record AdminRequest(HttpMethod method, String path, byte[] body) {
    private static final String ROOT = "/admin/v1";

    static AdminRequest registries() {
        return get("/registries");
    }

    static AdminRequest repositories(String registry) {
        return get("/repositories?registry=" + URLEncoder.encode(registry, StandardCharsets.UTF_8));
    }

    static AdminRequest repository(String repository) {
        return get("/repositories/" + repository);
    }

    static AdminRequest purgeRepository(String repository) {
        return new AdminRequest(HttpMethod.DELETE, ROOT + "/repositories/" + repository, null);
    }

    static AdminRequest purgeImage(String image) {
        return new AdminRequest(HttpMethod.DELETE, ROOT + "/images/" + image, null);
    }

    static AdminRequest pins() {
        return get("/pins");
    }

    static AdminRequest pin(String image) {
        return new AdminRequest(HttpMethod.PUT, ROOT + "/pins/" + image, null);
    }

    static AdminRequest unpin(String image) {
        return new AdminRequest(HttpMethod.DELETE, ROOT + "/pins/" + image, null);
    }

    static AdminRequest quarantined() {
        return get("/quarantine");
    }

    /** Quarantines {@code digest}, with {@code reason} (null: none, and no body). */
    static AdminRequest quarantine(Digest digest, String reason) {
        byte[] body = null;
        if (reason != null) {
            ObjectNode json = Json.MAPPER.createObjectNode().put("reason", reason);
            body = json.toString().getBytes(StandardCharsets.UTF_8);
        }
        return new AdminRequest(HttpMethod.PUT, ROOT + "/quarantine/" + digest, body);
    }

    static AdminRequest release(Digest digest) {
        return new AdminRequest(HttpMethod.DELETE, ROOT + "/quarantine/" + digest, null);
    }

    private static AdminRequest get(String path) {
        return new AdminRequest(HttpMethod.GET, ROOT + path, null);
    }
}
