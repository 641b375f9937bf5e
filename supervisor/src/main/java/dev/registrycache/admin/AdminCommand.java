package dev.registrycache.admin;

import java.io.InputStream;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code registry-cache.jar admin}: the cache's admin API ({@code /admin/v1/} on the public port)
 * from a shell, for an operator who lists what the cache holds, purges, pins and quarantines. Each
 * action is a subcommand ({@link AdminAction}); this command holds what they share with the
 * process: its environment, standard input and clock, which tests replace.
 */
@Command(
        name = "admin",
        mixinStandardHelpOptions = true,
        description = {
            "Lists, purges, pins and quarantines what a running cache holds, through its admin API on the public "
                    + "port (on when the cache runs with REGISTRY_AUTH=htpasswd and ADMIN_USERS).",
            "By default the cache is the gateway on this host, found as warm finds it (PORT, BIND_ADDRESS, CERTS); "
                    + "--cache names another. The user is --username, one of ADMIN_USERS; the password is read "
                    + "from ADMIN_PASSWORD or, with --password-stdin, from standard input, never from an argument.",
            "Tables for people; --json prints the API's answer as it came, for scripts.",
            "Exits 0 when the cache did what was asked, 1 when it refused or could not be reached (its reason is "
                    + "printed, e.g. 403 DENIED: user bob is not an admin), 2 when the command line or the settings "
                    + "are wrong."
        },
        subcommands = {
            ListCommand.class,
            PurgeCommand.class,
            PinCommand.class,
            UnpinCommand.class,
            PinsCommand.class,
            QuarantineCommand.class,
            ReleaseCommand.class,
            QuarantinedCommand.class
        })
public final class AdminCommand {
    /** The environment variable that may hold the password. */
    static final String PASSWORD_ENV = "ADMIN_PASSWORD";

    /** Exit status when the cache did what was asked. */
    static final int DONE = 0;
    /** Exit status when the cache refused, failed or could not be reached. */
    static final int REFUSED = 1;
    /** Exit status of a command line or settings that cannot be used. */
    static final int USAGE = 2;

    /** Where the settings and the password come from: this process's own, unless a test says otherwise. */
    Map<String, String> env = System.getenv();

    InputStream stdin = System.in;
    /** What "3 h ago" is counted from. */
    Clock clock = Clock.systemUTC();

    public static void main(String[] args) {
        System.exit(new CommandLine(new AdminCommand()).execute(args));
    }
}
