package dev.registrycache.gateway;

import dev.registrycache.common.Digest;
import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.NameMapping;
import dev.registrycache.common.RegistryException;
import dev.registrycache.common.RegistryHost;
import dev.registrycache.common.store.StoreLayout;
import dev.registrycache.common.http.ApiRoute;
import dev.registrycache.common.http.CacheOutcome;
import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.http.RequestFacts;
import dev.registrycache.common.http.StoredBlobs;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Answers a GET or HEAD of a blob that is already stored, and linked to the repository asked
 * for, straight from the shared datastore, as the node would (same headers, ranges, body from
 * memory-mapped windows). Relaying a warm blob through the node costs the gateway a copy in and
 * a copy out of every byte; this path costs neither, so warm pulls run at the node's speed.
 * Everything else goes to the node, including a blob stored but not linked to this repository:
 * the node serves and links it only once the upstream confirms the repository holds it. The
 * requests answered here are written to the gateway's access log, which the logger follows like
 * the nodes' logs.
 */
final class DatastoreBlobs {
    private static final Logger LOG = LoggerFactory.getLogger(DatastoreBlobs.class);

    private final StoreLayout layout;
    private final Map<String, NameMapping> byPrefix = new HashMap<>();

    DatastoreBlobs(StoreLayout layout, Map<String, RegistryHost> registries) {
        this.layout = layout;
        registries.forEach((prefix, registry) -> byPrefix.put(prefix, new NameMapping(registry)));
    }

    /**
     * Answers the request if it is a GET or HEAD of a stored, linked blob; false (nothing sent)
     * when the node should answer it.
     *
     * @param prefix   the registry prefix the request was routed to
     * @param nodePath the path as the node would get it ({@code /v2/<prefix>/<repo>/blobs/<digest>})
     */
    boolean answer(Request request, Response response, Callback callback, String prefix, String nodePath) {
        if (!nodePath.contains("/blobs/")) {
            return false;
        }
        NameMapping mapping = byPrefix.get(prefix);
        ApiRoute route;
        NameMapping.Names names;
        try {
            route = ApiRoute.parse(nodePath);
            if (route.kind() != ApiRoute.Kind.BLOB || mapping == null) {
                return false;
            }
            names = mapping.map(route.name());
        } catch (RegistryException e) {
            return false; // the node answers with the error
        }
        Digest digest = route.digest();
        if (!Files.exists(layout.layerLink(names.store(), digest))) {
            return false;
        }
        FileChannel file;
        try {
            file = FileChannel.open(layout.blobData(digest), StandardOpenOption.READ);
        } catch (IOException e) {
            return false; // evicted: the node fetches it again
        }
        RequestFacts facts = RequestFacts.of(request);
        facts.registry = mapping.registry().name();
        facts.kind = "blob";
        facts.repository = route.name().toString();
        facts.reference = digest.toString();
        facts.digest = digest;
        facts.outcome = CacheOutcome.HIT;
        response.getHeaders().put("Docker-Distribution-API-Version", "registry/2.0");
        try {
            StoredBlobs.serve(request, response, callback, digest, file, "HEAD".equals(request.getMethod()));
        } catch (RegistryException e) {
            facts.error = e.code().name();
            ErrorResponses.send(request, response, callback, e);
        } catch (Throwable t) {
            facts.error = t.getClass().getSimpleName();
            if (response.isCommitted()) {
                LOG.debug("transfer of {} broken off: {}", nodePath, t.toString());
            } else {
                LOG.error("serving {} from the datastore failed", nodePath, t);
            }
            ErrorResponses.send(request, response, callback, new RegistryException(ErrorCode.UNKNOWN, "internal error", null, -1, t));
        }
        return true;
    }
}
