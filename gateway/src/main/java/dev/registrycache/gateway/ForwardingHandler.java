package dev.registrycache.gateway;

import dev.registrycache.common.http.ApiRoute;
import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.gateway.peers.Peers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The registry API on either port, once the port's own handler let the request in: the {@code
 * /v2/} base endpoint and refused writes are answered here, stored blobs from the datastore, and
 * everything else goes to the proxy with its {@link ProxyRoute}: to the node of its registry, or, for
 * a GET of a blob that no replica has stored, to the replica that owns its digest.
 */
final class ForwardingHandler extends Handler.Wrapper {
    private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);

    private final Routes routes;
    private final DatastoreBlobs datastoreBlobs;
    private final Peers peers;

    /**
     * {@code datastoreBlobs}: null to send every blob request to its node; {@code peers}: null for
     * one replica alone.
     */
    ForwardingHandler(Routes routes, DatastoreBlobs datastoreBlobs, Peers peers, NodeProxyHandler proxy) {
        super(proxy);
        this.routes = routes;
        this.datastoreBlobs = datastoreBlobs;
        this.peers = peers;
    }

    /** Whether a request path is one of the registry API's, {@code /v2} and below. */
    static boolean isApiPath(String path) {
        return path != null && (path.equals("/v2") || path.startsWith("/v2/"));
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.BLOCKING; // stored blobs are written with blocking writes
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        try {
            String path = request.getHttpURI().getPath();
            String method = request.getMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                throw new RegistryException(ErrorCode.UNSUPPORTED, "this registry is a read-only cache", null);
            }
            if (path.equals("/v2") || path.equals("/v2/")) {
                response.setStatus(200);
                response.getHeaders().put("Docker-Distribution-API-Version", "registry/2.0");
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, EMPTY_JSON.length);
                response.write(true, method.equals("HEAD") ? null : ByteBuffer.wrap(EMPTY_JSON), callback);
                return true;
            }
            Routes.Target target = routes.resolve(path, request.getHttpURI().getQuery());
            if (datastoreBlobs != null && datastoreBlobs.answer(request, response, callback, target)) {
                return true;
            }
            ProxyRoute via = ProxyRoute.toNode(target);
            ApiRoute route = target.route();
            if (peers != null
                    && !Peers.relayed(request) // from a replica, on whatever port: served here, never forwarded twice
                    && method.equals("GET")
                    && route != null
                    && route.kind() == ApiRoute.Kind.BLOB) {
                // no replica has it stored: the replica that owns the digest fetches it, once for all
                via = via.to(peers.owner(route.digest()));
            }
            via.attachTo(request);
            return super.handle(request, response, callback);
        } catch (RegistryException e) {
            ErrorResponses.send(request, response, callback, e);
            return true;
        }
    }
}
