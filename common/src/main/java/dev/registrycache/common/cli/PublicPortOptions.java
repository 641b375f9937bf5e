package dev.registrycache.common.cli;

import picocli.CommandLine.Option;

/**
 * {@code --port}, {@code --host} and {@code --certs}: the gateway's public port, the address it
 * listens on and its certificate file, as a
 * picocli {@code @Mixin} for the processes that serve or reach that port (the gateway, the
 * supervisor, the health check). Each value is the flag as given, null without it: {@link
 * dev.registrycache.common.settings.Setting#PORT}, {@link dev.registrycache.common.settings.Setting#BIND_ADDRESS}
 * and {@link dev.registrycache.common.settings.Setting#CERTS} resolve it against the environment and the default.
 */
public final class PublicPortOptions {
    @Option(
            names = "--port",
            paramLabel = "PORT",
            description = "the gateway's one public port (env PORT, default 8443)")
    private String port;

    @Option(
            names = "--host",
            paramLabel = "ADDRESS",
            description = "the address the public port listens on (env BIND_ADDRESS, default every interface; "
                    + "127.0.0.1: this machine alone)")
    private String host;

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

    /** {@code --host} as given, or null. */
    public String hostFlag() {
        return host;
    }

    /** {@code --certs} as given, or null. */
    public String certsFlag() {
        return certs;
    }
}
