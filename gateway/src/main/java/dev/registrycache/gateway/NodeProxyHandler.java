package dev.registrycache.gateway;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.settings.NodeToken;
import dev.registrycache.gateway.peers.PeerAuth;
import dev.registrycache.gateway.peers.Peers;
import java.net.URI;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's reverse proxy, sending each request where its {@link ProxyRoute} says: to the node of
 * its registry, or to the replica that owns the blob it asks for. Keeps Jetty's safe defaults (no
 * redirect following, no content decoding, hop-by-hop headers dropped, bodies streamed). A node
 * that is down or restarting gets the client a 503 with an OCI body and {@code Retry-After}; a
 * {@code Location} pointing at a node is made relative (one elsewhere, such as a blob's URL in
 * the bucket, is passed on as it is). A blob GET sent to another replica has a
 * deadline for the owner's headers, and its answer is checked against the digest on its way
 * ({@link PeerBlobRelay}).
 */
final class NodeProxyHandler extends ProxyHandler.Reverse {
    private static final Logger LOG = LoggerFactory.getLogger(NodeProxyHandler.class);
    static final long RETRY_AFTER_SECONDS = 2;
    /** Large reads from the node: a blob crosses the gateway in fewer, bigger chunks. */
    static final int RESPONSE_BUFFER = 256 * 1024;

    private final ByteBufferPool buffers;
    private final Optional<NodeToken> nodeToken;
    private final Peers peers;
    private final Set<String> nodeAuthorities;

    /**
     * @param buffers   the server's pool, which must keep buffers of {@link #RESPONSE_BUFFER}
     * @param nodeToken the secret the nodes ask for, when they ask for one
     * @param peers     the other replicas, some requests going to them; null for one replica alone
     * @param nodes     the nodes' URLs: a {@code Location} at one of them is made relative
     */
    NodeProxyHandler(
            ByteBufferPool buffers, Optional<NodeToken> nodeToken, Peers peers, java.util.Collection<URI> nodes) {
        super(request -> HttpURI.from(ProxyRoute.of(request).url()));
        this.buffers = buffers;
        this.nodeToken = nodeToken;
        this.peers = peers;
        this.nodeAuthorities = nodes.stream().map(URI::getRawAuthority).collect(Collectors.toUnmodifiableSet());
    }

    /** Whether the request goes to another replica (rather than to a node here). */
    private boolean toPeer(Request clientToProxyRequest) {
        return peers != null && ProxyRoute.of(clientToProxyRequest).peer().isPresent();
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
    protected org.eclipse.jetty.client.Request newProxyToServerRequest(Request clientToProxyRequest, HttpURI uri) {
        org.eclipse.jetty.client.Request request = super.newProxyToServerRequest(clientToProxyRequest, uri);
        if (toPeer(clientToProxyRequest)) {
            // a frozen owner costs its clients seconds, not the nodes' 300 s
            request.idleTimeout(Peers.IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Scheduler.Task deadline = getHttpClient()
                    .getScheduler()
                    .schedule(
                            () -> request.abort(new TimeoutException(
                                    "no response headers in " + Peers.HEADERS_DEADLINE.toSeconds() + " s")),
                            Peers.HEADERS_DEADLINE);
            request.onResponseBegin(r -> deadline.cancel());
            request.onComplete(r -> deadline.cancel());
        }
        return request;
    }

    @Override
    protected void addProxyHeaders(
            Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
        super.addProxyHeaders(clientToProxyRequest, proxyToServerRequest);
        // put, not add: whatever a client sent under these names is replaced
        if (toPeer(clientToProxyRequest)) {
            String signature =
                    peers.signature(ProxyRoute.of(clientToProxyRequest).target().pathAndQuery());
            proxyToServerRequest.headers(h -> {
                h.remove(NodeToken.HEADER);
                // the client's credentials stay here: the peer trusts the signature, and the
                // request crosses the cluster's network in plain HTTP
                h.remove(HttpHeader.AUTHORIZATION);
                h.remove(HttpHeader.COOKIE);
                // the whole blob, as it is, so that every byte can be checked against the digest
                PeerBlobRelay.WHOLE_BLOB_ONLY.forEach(h::remove);
                h.put(PeerAuth.HEADER, signature);
            });
            return;
        }
        proxyToServerRequest.headers(h -> h.remove(PeerAuth.HEADER));
        nodeToken.ifPresent(token -> proxyToServerRequest.headers(h -> h.put(NodeToken.HEADER, token.value())));
    }

    @Override
    protected org.eclipse.jetty.client.Response.CompleteListener newServerToProxyResponseListener(
            Request clientToProxyRequest,
            org.eclipse.jetty.client.Request proxyToServerRequest,
            Response proxyToClientResponse,
            Callback proxyToClientCallback) {
        org.eclipse.jetty.client.Response.CompleteListener relay = super.newServerToProxyResponseListener(
                clientToProxyRequest, proxyToServerRequest, proxyToClientResponse, proxyToClientCallback);
        if (!toPeer(clientToProxyRequest)) {
            return relay;
        }
        return new PeerBlobRelay(
                this,
                clientToProxyRequest,
                proxyToServerRequest,
                proxyToClientResponse,
                proxyToClientCallback,
                (org.eclipse.jetty.client.Response.Listener) relay);
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
                // a node's own URL, not another server's (a blob's URL in the bucket, S3_REDIRECT)
                if (uri.isAbsolute() && nodeAuthorities.contains(uri.getRawAuthority())) {
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
        if (toPeer(clientToProxyRequest)) {
            // the owner refused, broke off, stayed silent or sent what is not the blob: it is left
            // out for a while; with nothing sent yet, the next owner (or this replica's node)
            // serves the blob now, else the client's retry goes there
            ProxyRoute failed = ProxyRoute.of(clientToProxyRequest);
            ProxyRoute next = failed.to(peers.reroute(
                    failed.peer().orElseThrow(),
                    failed.digest(),
                    clientToProxyRequest.getHttpURI().getPath(),
                    failure));
            if (!proxyToClientResponse.isCommitted()) {
                proxyToClientResponse.reset();
                next.attachTo(clientToProxyRequest);
                try {
                    handle(clientToProxyRequest, proxyToClientResponse, proxyToClientCallback);
                    return;
                } catch (Exception e) {
                    failure = e;
                }
            }
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
                Reasons.of(failure));
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
