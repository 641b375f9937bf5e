package dev.registrycache.gateway;

import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.RegistryException;
import dev.registrycache.common.http.ApiRoute;
import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.gateway.peers.Peers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * What the gateway decides itself before proxying: client authentication, the {@code /v2/}
 * base endpoint, refusing writes, stored blobs answered from the datastore, and which node a
 * request goes to.
 */
final class GatewayHandler extends Handler.Wrapper {
    private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);

    private final Routes routes;
    private final BasicAuthenticator authenticator;
    private final String challenge;
    private final DatastoreBlobs datastoreBlobs;
    private final Peers peers;

    /**
     * {@code datastoreBlobs}: null to send every blob request to its node; {@code peers}: null for
     * one replica alone.
     */
    GatewayHandler(
            Routes routes,
            BasicAuthenticator authenticator,
            String realm,
            DatastoreBlobs datastoreBlobs,
            Peers peers,
            Handler proxy) {
        super(proxy);
        this.routes = routes;
        this.peers = peers;
        this.datastoreBlobs = datastoreBlobs;
        this.authenticator = authenticator;
        this.challenge = "Basic realm=\"" + realm.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.BLOCKING; // stored blobs are written with blocking writes
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        try {
            String path = request.getHttpURI().getPath();
            boolean fromPeer = peers != null && Peers.onPeerPort(request);
            if (fromPeer && !peers.signed(request)) {
                // the peer port answers replicas only: never an open relay around authentication
                throw new RegistryException(ErrorCode.DENIED, "this port answers the cache's own replicas only", null);
            }
            if ("/healthz".equals(path) && !fromPeer) {
                return super.handle(request, response, callback); // for probes: no credentials needed
            }
            boolean metrics = "/metrics".equals(path) && !fromPeer;
            if (path == null || !(metrics || path.equals("/v2") || path.startsWith("/v2/"))) {
                throw new RegistryException(ErrorCode.NOT_FOUND, "not a registry API path", null);
            }
            if (authenticator != null
                    && !fromPeer // the replica that forwarded the request authenticated its client
                    && !authenticator.authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
                ErrorResponses.send(
                        request,
                        response,
                        callback,
                        new RegistryException(ErrorCode.UNAUTHORIZED, "authentication required", null),
                        Map.of(HttpHeader.WWW_AUTHENTICATE.asString(), challenge));
                return true;
            }
            if (metrics) {
                return super.handle(request, response, callback);
            }
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
            String local = target.node() + target.pathAndQuery();
            ApiRoute route = target.route();
            if (peers != null
                    && !Peers.relayed(request) // from a replica, on whatever port: served here, never forwarded twice
                    && method.equals("GET")
                    && route != null
                    && route.kind() == ApiRoute.Kind.BLOB) {
                // no replica has it stored: the replica that owns the digest fetches it, once for all
                request.setAttribute(
                        NodeProxyHandler.TARGET, peers.route(request, route.digest(), target.pathAndQuery(), local));
            } else {
                request.setAttribute(NodeProxyHandler.TARGET, local);
            }
            return super.handle(request, response, callback);
        } catch (RegistryException e) {
            ErrorResponses.send(request, response, callback, e);
            return true;
        }
    }
}
