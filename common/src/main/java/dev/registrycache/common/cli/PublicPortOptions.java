package dev.registrycache.common.cli;

import picocli.CommandLine.Option;

/**
 * {@code --port} and {@code --certs}, the gateway's public port and its certificate file, as a
 * picocli {@code @Mixin} for the processes that serve or reach that port (the gateway, the
 * supervisor, the health check). Each value is the flag as given, null without it: {@link
 * dev.registrycache.common.Setting#PORT} and {@link dev.registrycache.common.Setting#CERTS}
 * resolve it against the environment and the default.
 */
public final class PublicPortOptions {
    @Option(
            names = "--port",
            paramLabel = "PORT",
            description = "the gateway's one public port (env PORT, default 8443)")
    private String port;

    @Option(
            names = "--certs",
            paramLabel = "FILE",
            description =
                    "PEM: certificate chain, then the private key; missing: plain HTTP (env CERTS, default /certs/certs.pem)")
    private String certs;

    /** {@code --port} as given, or null. */
    public String portFlag() {
        return port;
    }

    /** {@code --certs} as given, or null. */
    public String certsFlag() {
        return certs;
    }
}
