package dev.registrycache.warm;

import dev.registrycache.client.CommandRun;
import dev.registrycache.gateway.GatewayServer;
import dev.registrycache.gateway.LoopbackGateways;
import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A whole cache in-process for {@code warm} to fill: Debian's docker-registry as the upstream of
 * quay.io and docker.io, a node for each on a shared datastore, and a plain-HTTP gateway in front
 * of them, as the supervisor would run them. {@link #warm} runs the command as the jar would, with
 * the environment and standard input given.
 */
final class WarmRig implements AutoCloseable {
    final UpstreamRegistry upstream;
    final Path data;
    final Path logs;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final RegistryNode quay;
    private final RegistryNode hub;
    private final GatewayServer gateway;

    WarmRig(Path work) throws Exception {
        data = work.resolve("data");
        logs = work.resolve("logs");
        upstream = UpstreamRegistry.plain();
        started.add(upstream);
        try {
            quay = started(LoopbackNodes.start("quay.io", upstream.baseUrl(), data, logs));
            hub = started(LoopbackNodes.start("docker.io", upstream.baseUrl(), data, logs));
            gateway = started(gatewayWith(work.resolve("absent.pem"), Map.of()));
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private <T extends AutoCloseable> T started(T closeable) {
        started.add(closeable);
        return closeable;
    }

    /** Another gateway on the same nodes and datastore, with {@code certs} and {@code env}; closed with the rig. */
    GatewayServer gatewayWith(Path certs, Map<String, String> env) throws Exception {
        return started(LoopbackGateways.start(
                Map.of("quay.io", quay.port(), "docker.io", hub.port()), certs, data, logs, env));
    }

    /** {@code --cache} of the plain-HTTP gateway. */
    String cacheUrl() {
        return "http://127.0.0.1:" + gateway.port();
    }

    /** The plain gateway's {@code host:port}, for skopeo. */
    String hostPort() {
        return "127.0.0.1:" + gateway.port();
    }

    /** Runs {@code registry-cache warm args} (not on a terminal) with an empty environment. */
    static CommandRun warm(String... args) {
        return warm(Map.of(), "", false, args);
    }

    static CommandRun warm(Map<String, String> env, String stdin, boolean terminal, String... args) {
        WarmCommand command = new WarmCommand();
        command.env = env;
        command.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        command.terminal = terminal;
        return CommandRun.of(command, args);
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
