package dev.registrycache.common.settings;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The gateway on this host as another process on this host reaches it: at the address its public
 * port listens on ({@link BindAddress#probeAddress()}: loopback when it listens on every
 * interface), on {@code PORT}, over TLS when the {@code CERTS} file exists, as the gateway decides.
 * Read from the same flags and variables as the supervisor, so that the health check and {@code
 * registry-cache warm} find the gateway without being told where it is.
 *
 * @param base {@code http(s)://<address>:<port>}, without a path
 * @param certs the certificate file; the gateway serves TLS when it exists
 */
public record LocalGateway(URI base, Path certs) {
    /** From the flags as given (null: not given), else the environment, else the defaults. */
    public static LocalGateway resolve(String portFlag, String hostFlag, String certsFlag, Map<String, String> env) {
        Path certs = Path.of(Setting.CERTS.resolve(certsFlag, env));
        InetAddress address = BindAddress.resolve(hostFlag, env).probeAddress();
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        int port = Setting.PORT.resolveInt(portFlag, env, 1, 65535, "a port number");
        return new LocalGateway(
                URI.create((Files.exists(certs) ? "https" : "http") + "://" + host + ":" + port), certs);
    }

    public boolean tls() {
        return base.getScheme().equals("https");
    }

    /** {@code path} (starting with '/') on the gateway. */
    public URI resolve(String path) {
        return URI.create(base + path);
    }
}
