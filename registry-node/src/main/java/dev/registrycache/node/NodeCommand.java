package dev.registrycache.node;

import dev.registrycache.common.cli.FolderOptions;
import dev.registrycache.common.cli.PullSecretOption;
import dev.registrycache.common.http.OnePortServer;
import dev.registrycache.common.startup.Startup;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code registry-cache.jar node}: runs one pull-through cache node in the foreground. */
@Command(
        name = "node",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the pull-through cache for one upstream registry.",
            "Serves the OCI pull API for names <prefix>/<repository>, where <prefix> is the registry "
                    + "name with ':' replaced by '_' (registry.local:5000 -> registry.local_5000). "
                    + "Credentials come from the registry's pull-secret entry; environment: UPSTREAM_ENDPOINTS, "
                    + "UPSTREAM_CA_FILE, UPSTREAM_ALLOW_PRIVATE_REDIRECTS, UPSTREAM_TRUSTED_REALMS, PULL_SECRET, "
                    + "DATA_DIR, LOG_DIR, RC_NODE_TOKEN or NODE_TOKEN_FILE (the secret the gateway sends), WARMUP_SIZE."
        })
public final class NodeCommand implements Callable<Integer> {
    @Option(
            names = "--upstream",
            required = true,
            paramLabel = "REGISTRY",
            description = "the pull-secret key this node serves, e.g. quay.io")
    String upstream;

    @Mixin
    PullSecretOption pullSecret;

    @Mixin
    FolderOptions folders;

    @Option(names = "--port", paramLabel = "PORT", description = "port to listen on (default 5000; 0 picks a free one)")
    Integer port;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "address to listen on (default 127.0.0.1)")
    String host;

    @Override
    public Integer call() throws Exception {
        return Startup.component(
                "node",
                () -> OnePortServer.Configured.of(
                        new RegistryNode(NodeConfig.resolve(
                                upstream,
                                pullSecret.pullSecretFlag(),
                                folders.dataDirFlag(),
                                folders.logDirFlag(),
                                host,
                                port,
                                System.getenv())),
                        System.getenv()),
                OnePortServer.Configured::serveUntilExit);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new NodeCommand()).execute(args));
    }
}
