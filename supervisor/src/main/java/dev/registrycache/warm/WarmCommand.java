package dev.registrycache.warm;

import dev.registrycache.client.CacheOptions;
import dev.registrycache.common.settings.ConfigException;
import java.io.Console;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code registry-cache.jar warm}: fills a running cache with images ahead of need, e.g. the
 * images of a release at an edge site before its link goes down, through the cache's public port
 * as any client pulls, so that the cache stores what it would store for a pull.
 */
@Command(
        name = "warm",
        mixinStandardHelpOptions = true,
        description = {
            "Fills a running cache with images ahead of need, through its public port, so that they can be "
                    + "pulled later even when the upstream cannot be reached.",
            "For each image (an argument, or a line of --file), gets its manifest, for an index the manifest of "
                    + "--platform, and makes sure the cache holds every blob of it: a blob the cache holds is not "
                    + "moved, one it does not is fetched through it. A second run fetches nothing.",
            "By default the cache is the gateway on this host, found as the health check finds it (PORT, "
                    + "BIND_ADDRESS, CERTS); over TLS the certificate of the CERTS file is trusted at any address, "
                    + "others by the JDK's CAs. The password is read from WARM_PASSWORD or, with --password-stdin, "
                    + "from standard input, never from an argument.",
            "Exits 0 when every image was warmed, 1 when one was not (each is named, with the reason), 2 when "
                    + "the command line or the settings are wrong."
        })
public final class WarmCommand implements Callable<Integer> {
    /** Exit status of a command line or settings that cannot be used. */
    static final int USAGE = 2;

    @Mixin
    CacheOptions cache = new CacheOptions();

    @Option(
            names = {"-f", "--file"},
            paramLabel = "FILE",
            description = "a file of images, one a line; blank lines and # comments are ignored")
    Path file;

    @Option(
            names = "--platform",
            paramLabel = "OS/ARCH[/VARIANT]",
            description = "which image of an index to warm, e.g. linux/arm64 (default: this host's platform)")
    String platform;

    @Parameters(
            paramLabel = "IMAGE",
            arity = "0..*",
            description = "an image as docker pull names it: alpine:3.19, quay.io/podman/hello, name@sha256:...")
    List<String> images = new ArrayList<>();

    @Spec
    CommandSpec spec;

    /** Where the settings and the password come from: this process's own, unless a test says otherwise. */
    Map<String, String> env = System.getenv();

    InputStream stdin = System.in;
    Boolean terminal;

    @Override
    public Integer call() throws Exception {
        WarmSettings settings;
        try {
            settings = WarmSettings.resolve(new WarmSettings.Flags(cache, file, platform, images), env, stdin);
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(spec.qualifiedName() + ": " + e.getMessage());
            spec.commandLine().getErr().flush();
            return USAGE;
        }
        return CacheWarmer.run(
                settings, spec.commandLine().getOut(), terminal != null ? terminal : standardOutputIsATerminal());
    }

    /**
     * Whether a person watches: a console, and on JDK 22 and later one that is a terminal (there
     * {@link System#console()} is not null when the output is redirected).
     */
    private static boolean standardOutputIsATerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException beforeJdk22) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new WarmCommand()).execute(args));
    }
}
