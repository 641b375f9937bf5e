package dev.registrycache.gateway;

import dev.registrycache.common.http.ApiRoute;
import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.http.RequestFacts;
import dev.registrycache.common.http.StoredBlobs;
import dev.registrycache.common.marks.Quarantines;
import dev.registrycache.common.oci.NameMapping;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.store.Datastore;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a GET or HEAD of a blob that is already stored, and linked to the repository asked
 * for, straight from the shared datastore, with the node's own {@link StoredBlobs}. Relaying a
 * warm blob through the node costs the gateway a copy in and a copy out of every byte; this path
 * costs neither. Everything else goes to the node, including a blob stored but not linked to this
 * repository: the node serves and links it only once the upstream confirms the repository holds
 * it. The requests answered here are written to the gateway's access log, which the logger
 * follows like the nodes' logs. A quarantined blob is refused here as the node refuses it, in case
 * its bytes are still stored (a race with the quarantine that deletes them).
 */
final class DatastoreBlobs {
    private static final Logger LOG = LoggerFactory.getLogger(DatastoreBlobs.class);

    private final Datastore store;
    private final StoredBlobs stored;
    private final Quarantines quarantines;
    private final Map<String, NameMapping> byPrefix = new HashMap<>();

    DatastoreBlobs(Datastore store, Map<String, RegistryHost> registries) {
        this.store = store;
        this.stored = new StoredBlobs(store);
        this.quarantines = new Quarantines(store);
        registries.forEach((prefix, registry) -> byPrefix.put(prefix, new NameMapping(registry)));
    }

    /**
     * Answers the request if it is a GET or HEAD of a stored, linked blob; false (nothing sent)
     * when the node should answer it.
     */
    boolean answer(Request request, Response response, Callback callback, Routes.Target target) {
        ApiRoute route = target.route();
        NameMapping mapping = byPrefix.get(target.prefix());
        if (route == null || route.kind() != ApiRoute.Kind.BLOB || mapping == null) {
            return false;
        }
        NameMapping.Names names;
        try {
            names = mapping.map(route.name());
        } catch (RegistryException e) {
            return false; // the node answers with the error
        }
        if (!store.layerLinked(names.store(), route.digest())) {
            return false;
        }
        RequestFacts facts = RequestFacts.of(request);
        facts.registry = mapping.registry().name();
        facts.kind = "blob";
        facts.repository = route.name().toString();
        facts.reference = route.digest().toString();
        facts.digest = route.digest();
        response.getHeaders().put("Docker-Distribution-API-Version", "registry/2.0");
        try {
            quarantines.refuseIfQuarantined(route.digest());
            if (stored.answer(request, response, callback, route.digest(), facts)) {
                return true;
            }
            RequestFacts.discard(request); // evicted: the node fetches it again, and logs it
            return false;
        } catch (Throwable t) {
            ErrorResponses.fail(request, response, callback, t, facts, LOG);
            return true;
        }
    }
}
