package dev.registrycache.supervisor;

import dev.registrycache.admin.AdminCommand;
import dev.registrycache.cleaner.CleanerCommand;
import dev.registrycache.common.Metrics;
import dev.registrycache.common.cli.FolderOptions;
import dev.registrycache.common.cli.PublicPortOptions;
import dev.registrycache.common.cli.PullSecretOption;
import dev.registrycache.common.startup.Startup;
import dev.registrycache.gateway.GatewayCommand;
import dev.registrycache.logger.LoggerCommand;
import dev.registrycache.node.NodeCommand;
import dev.registrycache.warm.WarmCommand;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sun.misc.Signal;

/**
 * The entry point of {@code registry-cache.jar}. Without a subcommand it is the supervisor,
 * which runs the whole cache; each component is also a subcommand, so one artifact runs the
 * product or any one process of it (systemd units, debugging).
 */
@Command(
        name = RegistryCacheMain.NAME,
        mixinStandardHelpOptions = true,
        version = "registry-cache 0.1.0",
        description = {
            "A pull-through cache for container registries.",
            "Without a subcommand: reads the pull secret and runs one node per registry (minus "
                    + "IGNOREREGISTRYLIST), the gateway, the logger and the cleaner, each in its own JVM, "
                    + "restarting what dies; SIGTERM, SIGINT or SIGHUP stops them all."
        },
        subcommands = {
            GatewayCommand.class,
            NodeCommand.class,
            LoggerCommand.class,
            CleanerCommand.class,
            HealthCheckCommand.class,
            WarmCommand.class,
            AdminCommand.class
        })
public final class RegistryCacheMain implements Callable<Integer> {
    static final String NAME = "registry-cache";
    private static final Logger LOG = LoggerFactory.getLogger(RegistryCacheMain.class);
    /**
     * Each stops the whole cache cleanly. SIGHUP too: nothing can be reloaded in place (a changed
     * pull secret means other nodes), so a hang-up, e.g. of the terminal, stops rather than kills.
     */
    private static final String[] STOP_SIGNALS = {"TERM", "INT", "HUP"};

    @Mixin
    PullSecretOption pullSecret;

    @Mixin
    FolderOptions folders;

    @Mixin
    PublicPortOptions publicPort;

    @Override
    public Integer call() throws Exception {
        // a signal before the supervisor exists ends the start quietly: nothing runs yet
        for (String signal : STOP_SIGNALS) {
            Signal.handle(new Signal(signal), s -> Runtime.getRuntime().halt(0));
        }
        return Startup.supervisor(
                () -> SupervisorConfig.resolve(
                        pullSecret.pullSecretFlag(),
                        folders.dataDirFlag(),
                        folders.logDirFlag(),
                        publicPort.portFlag(),
                        publicPort.hostFlag(),
                        publicPort.certsFlag(),
                        System.getenv()),
                RegistryCacheMain::supervise);
    }

    private static int supervise(SupervisorConfig config) throws Exception {
        // a bucket that is missing, refuses the credentials or lacks conditional writes stops the
        // start here, once, rather than every child failing and restarting in a loop
        config.store().open("supervisor", new Metrics()).close();
        Supervisor supervisor = new Supervisor(config, System.out);
        Runnable shutdown = () -> {
            supervisor.stop();
            System.out.flush();
            Runtime.getRuntime().halt(0);
        };
        for (String signal : STOP_SIGNALS) {
            Signal.handle(new Signal(signal), s -> {
                LOG.info("SIG{}: stopping every component", s.getName());
                new Thread(shutdown, "shutdown").start();
            });
        }
        supervisor.start();
        supervisor.awaitStop();
        Thread.currentThread().join();
        return 0;
    }

    public static void main(String[] args) {
        CommandLine component = args.length == 0 ? null : component(args[0]);
        if (component == null) {
            System.exit(new CommandLine(new RegistryCacheMain()).execute(args));
        }
        System.exit(component.execute(Arrays.copyOfRange(args, 1, args.length)));
    }

    /**
     * The command line of the subcommand {@code name} alone, named as in the whole tree, or null.
     * A component's JVM builds the model of its own command only: picocli reads every command's
     * annotations by reflection, and its classes (Java 5 bytecode) cannot go into the class-data
     * archives, so each command's model costs every JVM's start.
     */
    static CommandLine component(String name) {
        for (Class<?> sub : RegistryCacheMain.class.getAnnotation(Command.class).subcommands()) {
            if (sub.getAnnotation(Command.class).name().equals(name)) {
                return new CommandLine(sub).setCommandName(NAME + " " + name);
            }
        }
        return null;
    }
}
