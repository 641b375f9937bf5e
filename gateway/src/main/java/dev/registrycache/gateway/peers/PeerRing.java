package dev.registrycache.gateway.peers;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.settings.PeerAddress;
import dev.registrycache.common.settings.PeerSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas of a cache that share one datastore, and which of them owns each blob: the one
 * that fetches it from the upstream when it is missing, so that the cluster fetches each blob
 * once. Ownership is rendezvous hashing (highest random weight) of the digest over the live
 * replicas: every replica computes the same owner from the same list, and when a replica goes
 * away only the blobs it owned move, each to one other replica. The list is static, or
 * re-resolved from a DNS name (a Kubernetes headless Service) as pods come and go; a replica
 * that fails a connection is left out for {@link #DOWN_FOR}.
 */
public final class PeerRing {
    private static final Logger LOG = LoggerFactory.getLogger(PeerRing.class);
    /** How long a replica that refused or broke a connection is left out of ownership. */
    public static final Duration DOWN_FOR = Duration.ofSeconds(15);

    private final PeerAddress self;
    private final Supplier<List<PeerAddress>> source;
    private final Clock clock;
    private final Map<PeerAddress, Long> downUntil = new ConcurrentHashMap<>();
    private volatile List<PeerAddress> peers;

    /**
     * @param self   this replica, always one of the ring
     * @param source the other replicas (it may list this one too), asked again on {@link #refresh()}
     */
    public PeerRing(PeerAddress self, Supplier<List<PeerAddress>> source, Clock clock) {
        this.self = self;
        this.source = source;
        this.clock = clock;
        this.peers = List.of(self);
        refresh();
    }

    /** A fixed list of replicas. */
    public static Supplier<List<PeerAddress>> staticList(List<PeerAddress> peers) {
        List<PeerAddress> copy = List.copyOf(peers);
        return () -> copy;
    }

    /** The replicas the settings name: their static list, or the addresses of their DNS name. */
    public static Supplier<List<PeerAddress>> source(PeerSettings settings) {
        return settings.dnsName()
                .map(name -> dns(name, settings.port()))
                .orElseGet(() -> staticList(settings.listed()));
    }

    /** Every address {@code name} resolves to, with {@code port}: the pods behind a headless Service. */
    public static Supplier<List<PeerAddress>> dns(String name, int port) {
        // the JDK keeps a name's addresses 30 s by default: as long as the refresh, no longer
        java.security.Security.setProperty("networkaddress.cache.ttl", "5");
        return () -> {
            try {
                List<PeerAddress> found = new ArrayList<>();
                for (InetAddress a : InetAddress.getAllByName(name)) {
                    found.add(new PeerAddress(a.getHostAddress(), port));
                }
                return found;
            } catch (UnknownHostException e) {
                return null; // no pod ready yet, or DNS down: keep the last list
            }
        };
    }

    public PeerAddress self() {
        return self;
    }

    /** Asks the source again; keeps the last list when it has no answer. */
    public void refresh() {
        List<PeerAddress> found;
        try {
            found = source.get();
        } catch (RuntimeException e) {
            LOG.warn("cannot list the peers: {}", Reasons.of(e));
            return;
        }
        if (found == null) {
            return;
        }
        Set<PeerAddress> all = new LinkedHashSet<>(found);
        all.add(self);
        List<PeerAddress> next = List.copyOf(all);
        if (!next.equals(peers)) {
            LOG.info("peers: {}", next.stream().map(PeerAddress::id).toList());
        }
        peers = next;
    }

    /** The replicas now, this one included. */
    public List<PeerAddress> peers() {
        return peers;
    }

    /** Leaves {@code peer} out of ownership for {@link #DOWN_FOR} (never this replica). */
    public void markDown(PeerAddress peer) {
        if (!peer.equals(self)) {
            downUntil.put(peer, clock.millis() + DOWN_FOR.toMillis());
            LOG.warn("peer {} failed; its blobs go to other replicas for {} s", peer.id(), DOWN_FOR.toSeconds());
        }
    }

    /** The live replica that fetches {@code digest} (its {@code <alg>:<hex>}) when no replica has it. */
    public PeerAddress owner(String digest) {
        long now = clock.millis();
        return peers.stream()
                .filter(p -> p.equals(self) || downUntil.getOrDefault(p, 0L) <= now)
                .max(Comparator.comparingLong((PeerAddress p) -> weight(digest, p))
                        .thenComparing(PeerAddress::id))
                .orElse(self);
    }

    /** The rendezvous weight of a replica for a digest: the first 8 bytes of SHA-256 of both. */
    static long weight(String digest, PeerAddress peer) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((digest + "|" + peer.id()).getBytes(StandardCharsets.UTF_8));
            long w = 0;
            for (int i = 0; i < 8; i++) {
                w = w << 8 | (h[i] & 0xff);
            }
            return w;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
