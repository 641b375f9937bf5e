package dev.registrycache.gateway.peers;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.settings.PeerAddress;
import dev.registrycache.common.settings.PeerSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's side of scaling out: which requests came from another replica (on the peer
 * connector, signed), and where a blob that no replica has stored is fetched: by the replica that
 * owns its digest, through its peer port, so that the cluster asks the upstream once. A request
 * that carries the peer header is served here and never forwarded again, whatever port it came
 * in on.
 */
public final class Peers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Peers.class);
    /** The name of the peer port's connector. */
    public static final String CONNECTOR = "peers";
    /**
     * How long the owner may take to send its response headers. The owner's node sends them as
     * soon as its upstream's arrive (it streams the body as it comes), which takes a registry a
     * second or two; an owner silent for longer is frozen (stopped, in a long GC pause, on a hung
     * disk, cut off by a partition) and the blob goes to the next owner.
     */
    public static final Duration HEADERS_DEADLINE = Duration.ofSeconds(10);
    /**
     * How long the owner may send nothing in the middle of a blob: as long as a node waits on a
     * silent upstream, after which the owner's own download would have failed anyway.
     */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** How often the list of replicas is asked again (DNS). */
    static final long REFRESH_SECONDS = 10;

    private final PeerSettings settings;
    private final PeerRing ring;
    private final PeerAuth auth;
    private final ScheduledExecutorService refresher;
    private final Metrics.Counter forwards;
    private final Metrics.Counter received;
    private final Metrics.Gauge replicas;

    /**
     * @param forwards counts blob GETs sent to other replicas, by {@code peer} and {@code result}
     * @param received counts requests on the peer port, by {@code result}
     * @param replicas set to the number of replicas at each refresh of their list
     */
    public Peers(PeerSettings settings, Metrics.Counter forwards, Metrics.Counter received, Metrics.Gauge replicas) {
        this.settings = settings;
        this.forwards = forwards;
        this.received = received;
        this.replicas = replicas;
        this.ring = new PeerRing(
                settings.self(),
                new PublicPortFilter(PeerRing.source(settings), settings.self(), PortProbe::probeAll),
                Clock.systemUTC());
        this.auth = new PeerAuth(settings.secret(), Clock.systemUTC());
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "peers-refresh");
            t.setDaemon(true);
            return t;
        });
        replicas.set(ring.peers().size());
        refresher.scheduleWithFixedDelay(this::refresh, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    /** Asks for the list of replicas again, and counts them. */
    private void refresh() {
        ring.refresh();
        replicas.set(ring.peers().size());
    }

    public PeerSettings settings() {
        return settings;
    }

    public PeerRing ring() {
        return ring;
    }

    /**
     * Whether the request carries the peer header: sent by a replica, or made to look so. Such a
     * request is never forwarded, on any port, so that a list naming the public ports cannot make
     * the replicas forward a blob GET around in a loop.
     */
    public static boolean relayed(Request request) {
        return request.getHeaders().contains(PeerAuth.HEADER);
    }

    /** Whether a request on the peer port is signed by a replica. */
    public boolean signed(Request request) {
        boolean signed = auth.verify(
                request.getHeaders().get(PeerAuth.HEADER),
                request.getMethod(),
                request.getHttpURI().getPathQuery());
        received.labels(signed ? "accepted" : PortProbe.isProbe(request) ? "probe" : "refused")
                .add(1);
        return signed;
    }

    /**
     * The replica that fetches a blob no replica has stored, which a GET of it goes to; empty
     * when it is this one (the node here fetches it).
     */
    public Optional<PeerAddress> owner(Digest digest) {
        PeerAddress owner = ring.owner(digest.toString());
        if (owner.equals(ring.self())) {
            return Optional.empty();
        }
        forwards.labels(owner.id(), "forwarded").add(1);
        return Optional.of(owner);
    }

    /** The signature header value for a GET of {@code pathAndQuery} sent to a peer. */
    public String signature(String pathAndQuery) {
        return auth.sign("GET", pathAndQuery);
    }

    /**
     * The peer a GET of {@code digest} went to failed ({@code why}: it refused, broke off, sent no
     * headers in time, or sent bytes that are not the blob): it is left out of ownership for a
     * while, and the request goes to the next owner (or the node here, when empty).
     *
     * @param path the client's request path, for the log
     */
    public Optional<PeerAddress> reroute(PeerAddress failed, Digest digest, String path, Throwable why) {
        boolean invalid = why instanceof RelayedBlob.Invalid;
        LOG.warn(
                "peer {} {} for {}: {}",
                failed.id(),
                invalid ? "sent what is not the blob" : "failed",
                path,
                Reasons.of(why));
        ring.markDown(failed);
        forwards.labels(failed.id(), invalid ? "invalid" : "failed").add(1);
        return owner(digest);
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
