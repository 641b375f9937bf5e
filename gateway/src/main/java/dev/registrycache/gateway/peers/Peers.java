package dev.registrycache.gateway.peers;

import dev.registrycache.common.Metrics;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Request;

/**
 * The gateway's side of scaling out: which requests came from another replica (on the peer
 * connector, signed), and where a blob that no replica has stored is fetched: by the replica that
 * owns its digest, through its peer port, so that the cluster asks the upstream once. A request
 * from a peer is served here and never forwarded again.
 */
public final class Peers implements AutoCloseable {
    /** The name of the peer port's connector. */
    public static final String CONNECTOR = "peers";
    /** How often the list of replicas is asked again (DNS). */
    static final long REFRESH_SECONDS = 10;

    private static final String PEER = Peers.class.getName() + ".peer";
    private static final String LOCAL = Peers.class.getName() + ".local";
    private static final String DIGEST = Peers.class.getName() + ".digest";
    private static final String PATH = Peers.class.getName() + ".path";

    private final PeerSettings settings;
    private final PeerRing ring;
    private final PeerAuth auth;
    private final ScheduledExecutorService refresher;
    private final Metrics.Counter forwards;
    private final Metrics.Counter received;

    /**
     * @param forwards counts blob GETs sent to other replicas, by {@code peer} and {@code result}
     * @param received counts requests on the peer port, by {@code result}
     */
    public Peers(PeerSettings settings, Metrics.Counter forwards, Metrics.Counter received) {
        this.settings = settings;
        this.forwards = forwards;
        this.received = received;
        this.ring = new PeerRing(settings.self(), settings.source(), Clock.systemUTC());
        this.auth = new PeerAuth(settings.secret(), Clock.systemUTC());
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "peers-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(ring::refresh, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    public PeerSettings settings() {
        return settings;
    }

    public PeerRing ring() {
        return ring;
    }

    /** Whether the request came in on the peer port. */
    public static boolean onPeerPort(Request request) {
        return CONNECTOR.equals(request.getConnectionMetaData().getConnector().getName());
    }

    /** Whether a request on the peer port is signed by a replica. */
    public boolean signed(Request request) {
        boolean signed = auth.verify(
                request.getHeaders().get(PeerAuth.HEADER),
                request.getMethod(),
                request.getHttpURI().getPathQuery());
        received.labels(signed ? "accepted" : "refused").add(1);
        return signed;
    }

    /**
     * Where a GET of a blob no replica has stored goes: the URL on the owner's peer port, or
     * {@code local} (the node here) when this replica owns the digest.
     */
    public String route(Request request, String digest, String pathAndQuery, String local) {
        request.setAttribute(LOCAL, local);
        request.setAttribute(DIGEST, digest);
        request.setAttribute(PATH, pathAndQuery);
        return targetFor(request, ring.owner(digest));
    }

    private String targetFor(Request request, PeerRing.Peer owner) {
        if (owner.equals(ring.self())) {
            request.removeAttribute(PEER);
            return (String) request.getAttribute(LOCAL);
        }
        request.setAttribute(PEER, owner);
        forwards.labels(owner.id(), "forwarded").add(1);
        return owner.uri() + (String) request.getAttribute(PATH);
    }

    /** The peer the request was sent to; null when it went to the node here. */
    public static PeerRing.Peer sentTo(Request request) {
        return (PeerRing.Peer) request.getAttribute(PEER);
    }

    /** The signature header value for the request sent to a peer. */
    public String signature(Request request) {
        return auth.sign("GET", (String) request.getAttribute(PATH));
    }

    /**
     * The peer the request went to failed: it is left out of ownership for a while, and the
     * request goes to the next owner (or the node here); returns that URL.
     */
    public String reroute(Request request) {
        PeerRing.Peer failed = sentTo(request);
        if (failed != null) {
            ring.markDown(failed);
            forwards.labels(failed.id(), "failed").add(1);
        }
        return targetFor(request, ring.owner((String) request.getAttribute(DIGEST)));
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
