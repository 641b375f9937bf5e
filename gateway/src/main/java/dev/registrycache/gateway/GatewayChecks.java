package dev.registrycache.gateway;

import java.nio.file.Path;
import java.util.Map;

/** The gateway's configuration checks, for the supervisor to run before it starts anything. */
public final class GatewayChecks {
    private GatewayChecks() {}

    /** Throws a {@link dev.registrycache.common.ConfigException} if the certificate file is unusable. */
    public static void checkCertificates(Path certs) {
        PemKeyStore.load(certs);
    }

    /** Throws a {@link dev.registrycache.common.ConfigException} if client authentication is misconfigured. */
    public static void checkAuthentication(Map<String, String> env) {
        GatewayConfig.resolveAuth(env).ifPresent(auth -> Htpasswd.read(auth.htpasswd()));
    }
}
