package dev.registrycache.gateway;

import dev.registrycache.common.settings.AdminUsers;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.PeerAddress;
import dev.registrycache.common.settings.PeerSettings;
import dev.registrycache.gateway.peers.PortProbe;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's configuration checks, for the supervisor to run before it starts anything. They
 * need the gateway's own readers (the PEM key store, the htpasswd file, the peer port's answer to
 * a probe), so they live here, and this is all the supervisor takes from the gateway.
 */
public final class GatewayChecks {
    private GatewayChecks() {}

    /** Throws a {@link ConfigException} if the certificate file is unusable. */
    public static void checkCertificates(Path certs) {
        PemKeyStore.load(certs);
    }

    /**
     * Whether clients must authenticate (htpasswd); throws a {@link ConfigException} if client
     * authentication or the admin API's users are misconfigured.
     */
    public static boolean checkAuthentication(Map<String, String> env) {
        Optional<GatewayConfig.Auth> auth = GatewayConfig.resolveAuth(env);
        auth.ifPresent(a -> Htpasswd.read(a.htpasswd()));
        AdminUsers.resolve(env, auth.isPresent());
        return auth.isPresent();
    }

    /**
     * Refuses a static PEERS list with an entry that answers as a registry's public port ({@link
     * PortProbe}): the replicas would forward blob GETs to each other's clients' port. Entries that
     * do not answer yet are taken as they are (replicas start in any order); the gateway leaves out
     * any that answers as a public port later, and the pods of a DNS name as they appear.
     */
    public static void refusePublicPorts(PeerSettings peers) {
        List<PeerAddress> others = peers.listed().stream()
                .filter(p -> !p.equals(peers.self()))
                .distinct()
                .toList();
        PortProbe.probeAll(others).forEach((peer, answer) -> {
            if (answer == PortProbe.Answer.PUBLIC_PORT) {
                throw new ConfigException("PEERS: " + peer.id() + " answers as a registry's public port (GET "
                        + PortProbe.PATH + "), not as a replica's peer port: list the port each replica has "
                        + "for the others, PEER_PORT (" + peers.port() + " here), not PORT");
            }
        });
    }
}
