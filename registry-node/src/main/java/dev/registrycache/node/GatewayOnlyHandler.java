package dev.registrycache.node;

import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.settings.NodeToken;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Keeps the node's port for the gateway: a request without the {@link NodeToken} the gateway
 * sends is refused before anything else runs, so that a local process cannot pull through a node
 * around the gateway's authentication.
 */
final class GatewayOnlyHandler extends Handler.Wrapper {
    private final NodeToken token;

    GatewayOnlyHandler(NodeToken token, Handler next) {
        super(next);
        this.token = token;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!token.matches(request.getHeaders().get(NodeToken.HEADER))) {
            ErrorResponses.send(
                    request,
                    response,
                    callback,
                    new RegistryException(
                            ErrorCode.UNAUTHORIZED,
                            "this port serves the registry-cache gateway only; pull through the gateway's port",
                            null));
            return true;
        }
        return super.handle(request, response, callback);
    }
}
