package dev.registrycache.gateway;

import dev.registrycache.common.ErrorCode;
import dev.registrycache.common.NodeToken;
import dev.registrycache.common.RegistryException;
import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.gateway.peers.PeerAuth;
import dev.registrycache.gateway.peers.PeerRing;
import dev.registrycache.gateway.peers.Peers;
import java.net.URI;
import java.util.Optional;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's reverse proxy, sending each request to the node chosen by {@link GatewayHandler}.
 * Keeps Jetty's safe defaults (no redirect following, no content decoding, hop-by-hop headers
 * dropped, bodies streamed). A node that is down or restarting gets the client a 503 with an
 * OCI body and {@code Retry-After}; a {@code Location} pointing at a node is made relative.
 */
final class NodeProxyHandler extends ProxyHandler.Reverse {
    private static final Logger LOG = LoggerFactory.getLogger(NodeProxyHandler.class);
    static final String TARGET = NodeProxyHandler.class.getName() + ".target";
    static final long RETRY_AFTER_SECONDS = 2;
    /** Large reads from the node: a blob crosses the gateway in fewer, bigger chunks. */
    static final int RESPONSE_BUFFER = 256 * 1024;

    private final ByteBufferPool buffers;
    private final Optional<NodeToken> nodeToken;
    private final Peers peers;

    /**
     * @param buffers   the server's pool, which must keep buffers of {@link #RESPONSE_BUFFER}
     * @param nodeToken the secret the nodes ask for, when they ask for one
     * @param peers     the other replicas, some requests going to them; null for one replica alone
     */
    NodeProxyHandler(ByteBufferPool buffers, Optional<NodeToken> nodeToken, Peers peers) {
        super(request -> HttpURI.from((String) request.getAttribute(TARGET)));
        this.buffers = buffers;
        this.nodeToken = nodeToken;
        this.peers = peers;
    }

    @Override
    protected HttpClient newHttpClient() {
        HttpClient client = new HttpClient();
        client.setConnectTimeout(2_000);
        client.setIdleTimeout(300_000);
        client.setMaxConnectionsPerDestination(512);
        client.setFollowRedirects(false);
        client.setResponseBufferSize(RESPONSE_BUFFER);
        client.setByteBufferPool(buffers);
        return client;
    }

    @Override
    protected void configureHttpClient(HttpClient client) {
        super.configureHttpClient(client);
        client.setFollowRedirects(false);
    }

    @Override
    protected void addProxyHeaders(
            Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
        super.addProxyHeaders(clientToProxyRequest, proxyToServerRequest);
        // put, not add: whatever a client sent under these names is replaced
        if (peers != null && Peers.sentTo(clientToProxyRequest) != null) {
            String signature = peers.signature(clientToProxyRequest);
            proxyToServerRequest.headers(h -> {
                h.remove(NodeToken.HEADER);
                // the client's credentials stay here: the peer trusts the signature, and the
                // request crosses the cluster's network in plain HTTP
                h.remove(HttpHeader.AUTHORIZATION);
                h.remove(HttpHeader.COOKIE);
                h.put(PeerAuth.HEADER, signature);
            });
            return;
        }
        proxyToServerRequest.headers(h -> h.remove(PeerAuth.HEADER));
        nodeToken.ifPresent(token -> proxyToServerRequest.headers(h -> h.put(NodeToken.HEADER, token.value())));
    }

    @Override
    protected void addViaHeader(Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
        // the nodes are ours; a Via header would only add bytes
    }

    @Override
    protected HttpField filterServerToProxyResponseField(HttpField field) {
        if (field.getHeader() == HttpHeader.LOCATION) {
            String value = field.getValue();
            try {
                URI uri = URI.create(value);
                if (uri.isAbsolute() && ("127.0.0.1".equals(uri.getHost()) || "localhost".equals(uri.getHost()))) {
                    String relative = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
                    return new HttpField(HttpHeader.LOCATION, relative);
                }
            } catch (IllegalArgumentException ignored) {
                // leave a Location we cannot parse as it is
            }
        }
        return super.filterServerToProxyResponseField(field);
    }

    @Override
    protected void onServerToProxyResponseFailure(
            Request clientToProxyRequest,
            org.eclipse.jetty.client.Request proxyToServerRequest,
            org.eclipse.jetty.client.Response serverToProxyResponse,
            Response proxyToClientResponse,
            Callback proxyToClientCallback,
            Throwable failure) {
        PeerRing.Peer peer = peers == null ? null : Peers.sentTo(clientToProxyRequest);
        if (peer != null && !proxyToClientResponse.isCommitted()) {
            // the owner did not answer: the next owner (or this replica's node) fetches the blob
            LOG.warn(
                    "peer {} failed for {}: {}",
                    peer.id(),
                    clientToProxyRequest.getHttpURI().getPath(),
                    failure.toString());
            clientToProxyRequest.setAttribute(TARGET, peers.reroute(clientToProxyRequest));
            try {
                handle(clientToProxyRequest, proxyToClientResponse, proxyToClientCallback);
                return;
            } catch (Exception e) {
                failure = e;
            }
        } else if (peer != null) {
            // broke off mid-transfer: the client retries, and the retry goes to another replica
            peers.reroute(clientToProxyRequest);
        }
        if (proxyToClientResponse.isCommitted()) {
            super.onServerToProxyResponseFailure(
                    clientToProxyRequest,
                    proxyToServerRequest,
                    serverToProxyResponse,
                    proxyToClientResponse,
                    proxyToClientCallback,
                    failure);
            return;
        }
        LOG.warn(
                "node {} failed for {}: {}",
                proxyToServerRequest.getHost() + ":" + proxyToServerRequest.getPort(),
                clientToProxyRequest.getHttpURI().getPath(),
                failure.toString());
        ErrorResponses.send(
                clientToProxyRequest,
                proxyToClientResponse,
                proxyToClientCallback,
                new RegistryException(
                        ErrorCode.UNAVAILABLE,
                        "the cache node for this registry is not available; retry shortly",
                        null,
                        RETRY_AFTER_SECONDS,
                        failure));
    }
}
