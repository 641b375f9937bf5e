package dev.registrycache.gateway;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The gateway's configuration checks, for the supervisor to run before it starts anything. */
public final class GatewayChecks {
    private GatewayChecks() {}

    /** Throws a {@link dev.registrycache.common.ConfigException} if the certificate file is unusable. */
    public static void checkCertificates(Path certs) {
        PemKeyStore.load(certs);
    }

    /**
     * Whether clients must authenticate (htpasswd); throws a {@link
     * dev.registrycache.common.ConfigException} if client authentication is misconfigured.
     */
    public static boolean checkAuthentication(Map<String, String> env) {
        Optional<GatewayConfig.Auth> auth = GatewayConfig.resolveAuth(env);
        auth.ifPresent(a -> Htpasswd.read(a.htpasswd()));
        return auth.isPresent();
    }
}
