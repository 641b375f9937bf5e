package dev.registrycache.supervisor;

import dev.registrycache.gateway.GatewayCommand;
import dev.registrycache.node.NodeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point of {@code registry-cache.jar}: every component is a subcommand, so one
 * artifact runs the whole product or any one process of it.
 */
@Command(name = "registry-cache", mixinStandardHelpOptions = true, version = "registry-cache 0.1.0",
        description = "A pull-through cache for container registries.",
        subcommands = {GatewayCommand.class, NodeCommand.class})
public final class RegistryCacheMain implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new RegistryCacheMain()).execute(args));
    }
}
