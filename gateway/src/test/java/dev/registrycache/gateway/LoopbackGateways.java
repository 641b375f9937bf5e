package dev.registrycache.gateway;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The gateway the gateway's tests start: on 127.0.0.1 and a free port, in front of one node on
 * loopback. Given a certificate file that does not exist it serves plain HTTP.
 */
final class LoopbackGateways {
    private LoopbackGateways() {}

    /** In front of the node for {@code registry} (e.g. {@code quay.io}) at {@code 127.0.0.1:nodePort}. */
    static GatewayConfig inFrontOf(
            String registry, int nodePort, Path certs, Path dataDir, Path logDir, Map<String, String> env) {
        return GatewayConfig.resolve(
                "127.0.0.1",
                "0",
                certs.toString(),
                dataDir == null ? null : dataDir.toString(),
                logDir == null ? null : logDir.toString(),
                List.of(registry + "=http://127.0.0.1:" + nodePort),
                env);
    }
}
