package dev.registrycache.gateway.peers;

import dev.registrycache.common.settings.PeerAddress;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas a source lists, without the entries that answer as a registry's public port
 * ({@link PortProbe}): blob GETs forwarded there would reach another replica's clients' port.
 * The start of the cache refuses a static list with such an entry; this covers what a start
 * cannot see: the pods a DNS name resolves to later, and static entries that were not up yet.
 * An entry is asked when it first appears, and again at each refresh until it answers as a peer
 * port.
 */
final class PublicPortFilter implements Supplier<List<PeerAddress>> {
    private static final Logger LOG = LoggerFactory.getLogger(PublicPortFilter.class);

    private final Supplier<List<PeerAddress>> source;
    private final PeerAddress self;
    private final Function<Collection<PeerAddress>, Map<PeerAddress, PortProbe.Answer>> probe;
    private final Set<PeerAddress> peerPorts = new HashSet<>();
    private final Set<PeerAddress> publicPorts = new HashSet<>();

    PublicPortFilter(
            Supplier<List<PeerAddress>> source,
            PeerAddress self,
            Function<Collection<PeerAddress>, Map<PeerAddress, PortProbe.Answer>> probe) {
        this.source = source;
        this.self = self;
        this.probe = probe;
    }

    @Override
    public synchronized List<PeerAddress> get() {
        List<PeerAddress> found = source.get();
        if (found == null) {
            return null;
        }
        List<PeerAddress> unchecked = found.stream()
                .filter(p -> !p.equals(self) && !peerPorts.contains(p))
                .distinct()
                .toList();
        probe.apply(unchecked).forEach(this::record);
        return found.stream().filter(p -> !publicPorts.contains(p)).toList();
    }

    private void record(PeerAddress peer, PortProbe.Answer answer) {
        switch (answer) {
            case PEER_PORT -> {
                peerPorts.add(peer);
                if (publicPorts.remove(peer)) {
                    LOG.info("peer {} now answers as a replica's peer port: one of the replicas again", peer.id());
                }
            }
            case PUBLIC_PORT -> {
                if (publicPorts.add(peer)) {
                    LOG.warn(
                            "PEERS entry {} answers as a registry's public port, not a replica's peer port "
                                    + "(PEER_PORT): left out, so that no blob GET is forwarded to a clients' port",
                            peer.id());
                }
            }
            case NONE -> {
                // not up yet, or gone: asked again at the next refresh
            }
        }
    }
}
