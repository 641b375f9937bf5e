package dev.registrycache.gateway;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The gateway the tests start: on 127.0.0.1 and a free port, in front of nodes on loopback.
 * Given a certificate file that does not exist it serves plain HTTP. Shared through the gateway's
 * test-jar with the tests of the modules that need a whole cache in-process.
 */
public final class LoopbackGateways {
    private LoopbackGateways() {}

    /**
     * A gateway started in front of the nodes {@code nodePorts} (registry, e.g. {@code quay.io}, to
     * the port of its node on 127.0.0.1), with the settings of {@code env} ({@code REGISTRY_AUTH}...);
     * the caller closes it.
     */
    public static GatewayServer start(
            Map<String, Integer> nodePorts, Path certs, Path dataDir, Path logDir, Map<String, String> env)
            throws Exception {
        List<String> nodes = nodePorts.entrySet().stream()
                .map(e -> e.getKey() + "=http://127.0.0.1:" + e.getValue())
                .toList();
        return new GatewayServer(GatewayConfig.resolve(
                        "127.0.0.1", "0", certs.toString(), dataDir.toString(), logDir.toString(), nodes, env))
                .start();
    }

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
