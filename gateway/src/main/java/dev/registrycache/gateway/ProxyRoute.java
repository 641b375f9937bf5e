package dev.registrycache.gateway;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.PeerAddress;
import java.util.Optional;
import org.eclipse.jetty.server.Request;

/**
 * Where the proxy sends one request, decided before it: the node of the request's registry, or
 * the replica that owns the blob it asks for ({@code peer}). Kept on the request under one key
 * that only this type knows, so that the handlers and the proxy pass the route typed, as Jetty's
 * own proxy keeps its state, instead of in string attributes.
 */
record ProxyRoute(Routes.Target target, Optional<PeerAddress> peer) {
    private static final String ATTRIBUTE = ProxyRoute.class.getName();

    /** To the node here. */
    static ProxyRoute toNode(Routes.Target target) {
        return new ProxyRoute(target, Optional.empty());
    }

    /** The same request, to {@code owner}: a replica, or the node here when empty. */
    ProxyRoute to(Optional<PeerAddress> owner) {
        return new ProxyRoute(target, owner);
    }

    /** The URL the proxy asks: the node's, or the owner's peer port, with the node's path and query. */
    String url() {
        return peer.map(p -> p.uri().toString()).orElseGet(() -> target.node().toString()) + target.pathAndQuery();
    }

    /** The blob a request sent to a replica asks for. */
    Digest digest() {
        return target.route().digest();
    }

    /** Puts this route on the request, in place of the one it had. */
    void attachTo(Request request) {
        request.setAttribute(ATTRIBUTE, this);
    }

    /** The route the request was given. */
    static ProxyRoute of(Request request) {
        return (ProxyRoute) request.getAttribute(ATTRIBUTE);
    }
}
