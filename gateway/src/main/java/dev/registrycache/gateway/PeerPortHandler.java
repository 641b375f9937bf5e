package dev.registrycache.gateway;

import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.gateway.peers.Peers;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The port the other replicas call: requests signed with the secret the replicas share, and
 * nothing else, so that it is never an open relay around client authentication (the replica that
 * forwarded a request authenticated its client). Signed requests ask the registry API only, and
 * are served here, by the {@link ForwardingHandler}, without being forwarded again.
 */
final class PeerPortHandler extends Handler.Wrapper {
    private final Peers peers;

    PeerPortHandler(Peers peers, ForwardingHandler forwarding) {
        super(forwarding);
        this.peers = peers;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        RegistryException refused = null;
        if (!peers.signed(request)) {
            refused = new RegistryException(ErrorCode.DENIED, "this port answers the cache's own replicas only", null);
        } else if (!ForwardingHandler.isApiPath(request.getHttpURI().getPath())) {
            refused = new RegistryException(ErrorCode.NOT_FOUND, "not a registry API path", null);
        }
        if (refused != null) {
            ErrorResponses.send(request, response, callback, refused);
            return true;
        }
        return super.handle(request, response, callback);
    }
}
