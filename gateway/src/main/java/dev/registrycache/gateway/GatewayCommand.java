package dev.registrycache.gateway;

import dev.registrycache.common.cli.FolderOptions;
import dev.registrycache.common.cli.PublicPortOptions;
import dev.registrycache.common.http.OnePortServer;
import dev.registrycache.common.startup.Startup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code registry-cache.jar gateway}: runs the public port in the foreground. */
@Command(
        name = "gateway",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the gateway: the one public port in front of the nodes.",
            "Routes /v2/<registry>/... (and the mirror form /v2/<repository>/...?ns=<registry>) to the node "
                    + "given for <registry> with --node, answers /v2/ itself, serves TLS from the CERTS file (plain "
                    + "HTTP when it does not exist) and, with REGISTRY_AUTH=htpasswd, requires Basic credentials "
                    + "from REGISTRY_AUTH_HTPASSWD_PATH (realm REGISTRY_AUTH_HTPASSWD_REALM). A blob already stored "
                    + "and linked to the repository asked for is answered from the datastore without the node. "
                    + "After a start it warms up through a throwaway copy of itself (WARMUP_SIZE). "
                    + "The supervisor starts it with one --node per node it runs."
        })
public final class GatewayCommand implements Callable<Integer> {
    @Mixin
    PublicPortOptions publicPort;

    @Mixin
    FolderOptions folders;

    @Option(
            names = "--node",
            paramLabel = "REGISTRY=URL",
            description = "the node serving a registry, e.g. quay.io=http://127.0.0.1:5001 (repeatable)")
    List<String> nodes = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        return Startup.component(
                "gateway",
                () -> OnePortServer.Configured.of(
                        new GatewayServer(GatewayConfig.resolve(
                                publicPort.hostFlag(),
                                publicPort.portFlag(),
                                publicPort.certsFlag(),
                                folders.dataDirFlag(),
                                folders.logDirFlag(),
                                nodes,
                                System.getenv())),
                        System.getenv()),
                OnePortServer.Configured::serveUntilExit);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new GatewayCommand()).execute(args));
    }
}
