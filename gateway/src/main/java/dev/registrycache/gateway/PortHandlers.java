package dev.registrycache.gateway;

import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Each port with its own handler: a request goes to the peer port's when it came in on the
 * connector of that name, to the public port's otherwise, so that the rules of the one (signed
 * requests only) and of the other (credentials, probes, metrics) never mix.
 */
final class PortHandlers extends Handler.AbstractContainer {
    private final Handler publicPort;
    private final String peerConnector;
    private final Handler peerPort;

    PortHandlers(Handler publicPort, String peerConnector, Handler peerPort) {
        this.publicPort = publicPort;
        this.peerConnector = peerConnector;
        this.peerPort = peerPort;
        addBean(publicPort, true);
        addBean(peerPort, true);
    }

    @Override
    public List<Handler> getHandlers() {
        return List.of(publicPort, peerPort);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        boolean fromPeer = peerConnector.equals(
                request.getConnectionMetaData().getConnector().getName());
        return (fromPeer ? peerPort : publicPort).handle(request, response, callback);
    }
}
