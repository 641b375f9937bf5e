package dev.registrycache.gateway.peers;

import dev.registrycache.common.ConfigException;
import dev.registrycache.common.Setting;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The settings of a replica among several that share one datastore: where the others are
 * (PEERS), the port they call this one on (PEER_PORT), the secret they share (PEER_SECRET_FILE)
 * and which of the listed replicas this one is (PEER_SELF, POD_IP). Read once at start; a bad
 * value stops the gateway before it serves.
 */
public record PeerSettings(
        int port, PeerRing.Peer self, Supplier<List<PeerRing.Peer>> source, String peers, byte[] secret) {

    /** Empty when PEERS is unset: one replica alone. */
    public static Optional<PeerSettings> from(Map<String, String> env) {
        String peers = Setting.PEERS.resolve(null, env);
        if (peers == null || peers.isBlank()) {
            return Optional.empty();
        }
        int port = Setting.PEER_PORT.resolveInt(null, env, 1, 65535, "a port number");
        byte[] secret = readSecret(env);
        Supplier<List<PeerRing.Peer>> source;
        List<PeerRing.Peer> listed = new ArrayList<>();
        String text = peers.trim();
        if (text.startsWith("dns:")) {
            String name = text.substring("dns:".length()).trim();
            if (name.isEmpty() || name.contains(" ") || name.contains(",")) {
                throw new ConfigException("PEERS: '" + peers + "': expected dns:<name> or host:port entries");
            }
            source = PeerRing.dns(name, port);
        } else {
            for (String entry : text.split("[,\\s]+")) {
                try {
                    listed.add(PeerRing.Peer.parse(entry));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("PEERS: " + e.getMessage());
                }
            }
            source = PeerRing.staticList(listed);
        }
        return Optional.of(new PeerSettings(port, self(env, port, listed), source, text, secret));
    }

    /**
     * Refuses a static list with an entry that answers as a registry's public port ({@link
     * PortProbe}): the replicas would forward blob GETs to each other's clients' port. Entries that
     * do not answer yet are taken as they are (replicas start in any order); the gateway leaves out
     * any that answers as a public port later, and the pods of a DNS name as they appear.
     */
    public void refusePublicPorts() {
        if (peers.startsWith("dns:")) {
            return;
        }
        List<PeerRing.Peer> others =
                source.get().stream().filter(p -> !p.equals(self)).distinct().toList();
        PortProbe.probeAll(others).forEach((peer, answer) -> {
            if (answer == PortProbe.Answer.PUBLIC_PORT) {
                throw new ConfigException("PEERS: " + peer.id() + " answers as a registry's public port (GET "
                        + PortProbe.PATH + "), not as a replica's peer port: list the port each replica has "
                        + "for the others, PEER_PORT (" + port + " here), not PORT");
            }
        });
    }

    private static byte[] readSecret(Map<String, String> env) {
        Path file = Path.of(Setting.PEER_SECRET_FILE.resolve(null, env));
        byte[] secret;
        try {
            secret = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException("PEER_SECRET_FILE: cannot read " + file + " (" + e.getMessage()
                    + "): replicas need the secret they share to talk to each other");
        }
        String trimmed = new String(secret, java.nio.charset.StandardCharsets.UTF_8).strip();
        if (trimmed.length() < 16) {
            throw new ConfigException("PEER_SECRET_FILE: " + file + " holds fewer than 16 characters");
        }
        return trimmed.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** PEER_SELF, else POD_IP with the peer port, else the listed entry with the peer port on one of this host's addresses. */
    private static PeerRing.Peer self(Map<String, String> env, int port, List<PeerRing.Peer> listed) {
        String self = Setting.PEER_SELF.resolve(null, env);
        if (self != null && !self.isBlank()) {
            try {
                return PeerRing.Peer.parse(self);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("PEER_SELF: " + e.getMessage());
            }
        }
        String podIp = env.get("POD_IP");
        if (podIp != null && !podIp.isBlank()) {
            return new PeerRing.Peer(podIp.trim(), port);
        }
        for (PeerRing.Peer p : listed) {
            if (p.port() == port && isLocal(p.host())) {
                return p;
            }
        }
        throw new ConfigException("PEERS lists no replica on this host with PEER_PORT " + port
                + ": set PEER_SELF (host:port as the other replicas reach this one) or POD_IP");
    }

    private static boolean isLocal(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null) {
                    return true;
                }
            }
        } catch (UnknownHostException | SocketException e) {
            return false;
        }
        return false;
    }
}
