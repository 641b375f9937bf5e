package dev.registrycache.node;

import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.Credentials;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The node that end-to-end tests put in front of their upstream: one registry, served in-process
 * on 127.0.0.1, no upstream CA file, no node token. Shared through registry-node's test-jar with
 * the gateway's, logger's and cleaner's tests, so that the tests build it in one place.
 */
public final class LoopbackNodes {
    private static final String LOOPBACK = "127.0.0.1";

    private LoopbackNodes() {}

    /** A node for {@code registry} (a pull-secret key such as {@code quay.io}) at {@code upstreamUrl}, anonymous. */
    public static NodeConfig config(String registry, String upstreamUrl, Path dataDir, Path logDir, int port) {
        return config(registry, upstreamUrl, Optional.empty(), dataDir, logDir, port);
    }

    /** The same with the upstream's credentials, as the pull secret would give them. */
    public static NodeConfig config(
            String registry,
            String upstreamUrl,
            Optional<Credentials> credentials,
            Path dataDir,
            Path logDir,
            int port) {
        return new NodeConfig(
                RegistryHost.fromKey(registry),
                URI.create(upstreamUrl),
                credentials,
                Optional.empty(),
                dataDir,
                logDir,
                LOOPBACK,
                port);
    }

    /** An anonymous node for {@code registry} started on a free port; the caller closes it. */
    public static RegistryNode start(String registry, String upstreamUrl, Path dataDir, Path logDir) throws Exception {
        return new RegistryNode(config(registry, upstreamUrl, dataDir, logDir, 0)).start();
    }
}
