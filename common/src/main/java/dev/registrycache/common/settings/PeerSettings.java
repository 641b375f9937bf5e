package dev.registrycache.common.settings;

import dev.registrycache.common.Reasons;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of a replica among several that share one datastore: where the others are
 * (PEERS), the port they call this one on (PEER_PORT), the secret they share (PEER_SECRET_FILE)
 * and which of the listed replicas this one is (PEER_SELF, POD_IP). Parsed here only: the
 * supervisor validates them before it starts anything, the gateway runs with them.
 *
 * @param listed  the replicas a static PEERS list names; empty with {@code dnsName}
 * @param dnsName the name PEERS gives as {@code dns:<name>}, whose addresses are the replicas
 * @param peers   PEERS as given, for the log
 */
public record PeerSettings(
        int port, PeerAddress self, List<PeerAddress> listed, Optional<String> dnsName, String peers, byte[] secret) {

    /** Empty when PEERS is unset: one replica alone. */
    public static Optional<PeerSettings> from(Map<String, String> env) {
        String peers = Setting.PEERS.resolve(null, env);
        if (peers == null || peers.isBlank()) {
            return Optional.empty();
        }
        int port = Setting.PEER_PORT.resolveInt(null, env, 1, 65535, "a port number");
        byte[] secret = readSecret(env);
        List<PeerAddress> listed = new ArrayList<>();
        Optional<String> dnsName = Optional.empty();
        String text = peers.trim();
        if (text.startsWith("dns:")) {
            String name = text.substring("dns:".length()).trim();
            if (name.isEmpty() || name.contains(" ") || name.contains(",")) {
                throw new ConfigException("PEERS: '" + peers + "': expected dns:<name> or host:port entries");
            }
            dnsName = Optional.of(name);
        } else {
            for (String entry : text.split("[,\\s]+")) {
                try {
                    listed.add(PeerAddress.parse(entry));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("PEERS: " + e.getMessage());
                }
            }
        }
        return Optional.of(new PeerSettings(port, self(env, port, listed), List.copyOf(listed), dnsName, text, secret));
    }

    private static byte[] readSecret(Map<String, String> env) {
        Path file = Path.of(Setting.PEER_SECRET_FILE.resolve(null, env));
        byte[] secret;
        try {
            secret = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException("PEER_SECRET_FILE: cannot read " + file + " (" + Reasons.of(e)
                    + "): replicas need the secret they share to talk to each other");
        }
        String trimmed = new String(secret, StandardCharsets.UTF_8).strip();
        if (trimmed.length() < 16) {
            throw new ConfigException("PEER_SECRET_FILE: " + file + " holds fewer than 16 characters");
        }
        return trimmed.getBytes(StandardCharsets.UTF_8);
    }

    /** PEER_SELF, else POD_IP with the peer port, else the listed entry with the peer port on one of this host's addresses. */
    private static PeerAddress self(Map<String, String> env, int port, List<PeerAddress> listed) {
        String self = Setting.PEER_SELF.resolve(null, env);
        if (self != null && !self.isBlank()) {
            try {
                return PeerAddress.parse(self);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("PEER_SELF: " + e.getMessage());
            }
        }
        String podIp = env.get("POD_IP");
        if (podIp != null && !podIp.isBlank()) {
            return new PeerAddress(podIp.trim(), port);
        }
        for (PeerAddress p : listed) {
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
