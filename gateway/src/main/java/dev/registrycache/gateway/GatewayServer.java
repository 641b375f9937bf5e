package dev.registrycache.gateway;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.http.AccessLog;
import dev.registrycache.common.http.MetricsHandler;
import dev.registrycache.common.http.OnePortServer;
import dev.registrycache.common.http.RequestFacts;
import dev.registrycache.common.http.WarmUp;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.gateway.admin.AdminHandler;
import dev.registrycache.gateway.peers.Peers;
import java.io.IOException;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Clock;
import java.util.List;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway process: one port, TLS (TLS 1.2 and 1.3, HTTP/2 by ALPN next to HTTP/1.1) from
 * {@code certs.pem} or plain HTTP without it, optional htpasswd authentication, a reverse
 * proxy to the node of each registry, and the operators' admin API.
 */
public final class GatewayServer extends OnePortServer {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

    private final GatewayConfig config;
    private final Metrics metrics = new Metrics();
    private final AccessLog accessLog;
    private final Peers peers;
    private final ServerConnector peerConnector;
    private final Datastore store;
    private final boolean announce;

    GatewayServer(GatewayConfig config) throws IOException {
        this(config, true);
    }

    /** @param announce whether {@link #start()} says what it serves: not for the warm-up's throwaway gateway */
    GatewayServer(GatewayConfig config, boolean announce) throws IOException {
        super("gateway", bufferPool(), config.host(), config.port(), connectionFactories(config));
        this.config = config;
        this.announce = announce;
        this.store = config.store().open("gateway", metrics);
        BasicAuthenticator authenticator = config.auth()
                .map(a -> new BasicAuthenticator(a.htpasswd(), Clock.systemUTC()))
                .orElse(null);
        GatewayMetrics gatewayMetrics = GatewayMetrics.in(metrics);
        peers = config.peers()
                .map(p -> new Peers(
                        p, gatewayMetrics.peerForwards(), gatewayMetrics.peerRequests(), gatewayMetrics.replicas()))
                .orElse(null);
        if (peers == null) {
            gatewayMetrics.replicas().set(1);
        }
        peerConnector = peers == null ? null : peerConnector(peers);
        NodeProxyHandler proxy = new NodeProxyHandler(server().getByteBufferPool(), config.nodeToken(), peers);
        Metrics.Counter requests = gatewayMetrics.requests();
        accessLog = openAccessLog(config, metrics);
        DatastoreBlobs datastoreBlobs = accessLog == null ? null : new DatastoreBlobs(store, config.registries());
        server().setRequestLog((request, response) -> {
            requests.labels(Integer.toString(response.getStatus())).add(1);
            if (accessLog != null && answeredHere(request)) {
                accessLog.log(request, response);
            }
        });
        Observability observability = new Observability(metrics, config.nodes(), config.logDir(), config.nodeToken());
        ForwardingHandler forwarding = new ForwardingHandler(
                new Routes(config.nodes(), config.defaultRegistry()), datastoreBlobs, peers, proxy);
        String challenge = PublicPortHandler.challenge(
                config.auth().map(GatewayConfig.Auth::realm).orElse("Registry Realm"));
        AdminHandler admin = new AdminHandler(
                config.adminUsers(),
                authenticator == null ? null : authenticator::user,
                challenge,
                store,
                List.copyOf(config.registries().keySet()),
                new LogDirLayout(config.logDir()).adminAuditLog(),
                metrics);
        Handler publicPort = new PublicPortHandler(
                config.certs().isPresent(),
                authenticator,
                challenge,
                admin,
                new MetricsHandler(observability::metrics, observability::health, forwarding));
        // the forwarding handler ends both ports' chains; Jetty starts and stops it once
        Handler ports = peers == null
                ? publicPort
                : new PortHandlers(publicPort, Peers.CONNECTOR, new PeerPortHandler(peers, forwarding));
        // GracefulHandler: on stop, new requests are refused while those in flight get STOP_GRACE to finish
        setHandler(new GracefulHandler(ports));
    }

    /**
     * Whether the gateway answered {@code request} itself, so that its access log must hold it: a
     * blob from the datastore (the logger must see that use), an error it sent (a refusal, a node
     * that did not answer), anything it did not pass on. What a node answered, the node logs.
     */
    private static boolean answeredHere(Request request) {
        if (AdminHandler.isAdminPath(request.getHttpURI().getPath())) {
            return false; // the admin API has its own trail
        }
        return RequestFacts.peek(request) != null || ProxyRoute.of(request) == null;
    }

    /**
     * The port the other replicas call (plain HTTP/1.1: requests are signed with the secret the
     * replicas share, and carry blobs that are verified by digest wherever they are served).
     */
    private ServerConnector peerConnector(Peers peers) {
        ServerConnector connector =
                addConnector(peers.settings().port(), new HttpConnectionFactory(httpConfiguration()));
        connector.setName(Peers.CONNECTOR);
        return connector;
    }

    /** The peer port actually bound; -1 without peers. */
    public int peerPort() {
        return peerConnector == null ? -1 : peerConnector.getLocalPort();
    }

    /**
     * Jetty's default pool keeps buffers up to 64 KiB only; the proxy's 256 KiB reads from a node
     * and the TLS output buffers (5 records) would otherwise be allocated and zeroed per use.
     */
    private static ByteBufferPool bufferPool() {
        return new ArrayByteBufferPool(
                0, 4096, NodeProxyHandler.RESPONSE_BUFFER, Integer.MAX_VALUE, 16L << 20, 32L << 20);
    }

    /** TLS from the certificate file, with HTTP/2 and HTTP/1.1 by ALPN; without the file, plain HTTP/1.1. */
    private static ConnectionFactory[] connectionFactories(GatewayConfig config) {
        KeyStore keys = config.certs().map(PemKeyStore::load).orElse(null);
        HttpConfiguration http = httpConfiguration();
        http.setResponseHeaderSize(16 * 1024);
        HttpConnectionFactory http11 = new HttpConnectionFactory(http);
        if (keys == null) {
            return new ConnectionFactory[] {http11};
        }
        // the one certificate answers whatever name the client used (localhost, an IP, an alias),
        // as HAProxy did in the original: Jetty's SNI host check would answer 400 Invalid SNI
        http.addCustomizer(new SecureRequestCustomizer(false));
        return TlsFactories.of(keys, http, http11);
    }

    /**
     * The access log of the blobs answered from the datastore, or null (every request then goes
     * to a node) when the log cannot be written: without the log the logger would not see those
     * uses, and the cleaner would evict blobs in use. The datastore itself may not exist yet (a
     * fresh data dir that the nodes fill): each request looks for its blob.
     */
    private static AccessLog openAccessLog(GatewayConfig config, Metrics metrics) {
        try {
            Files.createDirectories(config.logDir());
            return new AccessLog(new LogDirLayout(config.logDir()).gatewayAccessLog(), null, metrics);
        } catch (IOException e) {
            LOG.warn(
                    "cannot write the access log in {} ({}): every request goes to a node",
                    config.logDir(),
                    Reasons.of(e));
            return null;
        }
    }

    @Override
    public GatewayServer start() throws Exception {
        if (!announce) {
            super.start();
            return this;
        }
        if (config.certs().isEmpty()) {
            LOG.warn("no certificate file at the CERTS path: serving plain HTTP, without TLS");
        }
        super.start();
        LOG.info(
                "gateway listening on {}://{}:{} for {}{}{}",
                config.certs().isPresent() ? "https" : "http",
                config.host(),
                port(),
                config.nodes().keySet(),
                config.defaultRegistry()
                        .map(r -> ", names without a registry prefix for " + r.name())
                        .orElse(""),
                config.auth().isPresent() ? ", htpasswd authentication on" : "");
        if (peers != null) {
            LOG.info(
                    "one of several replicas: this is {}, peers from {} (port {} answers signed requests only)",
                    peers.ring().self().id(),
                    peers.settings().peers(),
                    peerPort());
        }
        return this;
    }

    @Override
    protected WarmUp.Rig warmUpRig() throws Exception {
        return GatewayWarmUp.open(config);
    }

    @Override
    protected void closeAfterStop() throws InterruptedException {
        if (peers != null) {
            peers.close();
        }
        if (accessLog != null) {
            accessLog.close();
        }
        store.close();
    }
}
