package dev.registrycache.client;

import picocli.CommandLine.Option;

/**
 * The options that name the cache a client command talks to and the user it talks as, the same
 * for {@code warm} and {@code admin}; the password never comes from an option ({@link CacheAccess}).
 */
public final class CacheOptions {
    @Option(
            names = "--cache",
            paramLabel = "URL",
            description = "the cache's public port, http(s)://<host>[:<port>] (default: the gateway on this host)")
    String cache;

    @Option(
            names = {"-u", "--username"},
            paramLabel = "NAME",
            description = "the user of a cache with htpasswd; the password comes from the command's variable (see "
                    + "above) or with --password-stdin, never from an argument")
    String username;

    @Option(names = "--password-stdin", description = "read the password from the first line of standard input")
    boolean passwordStdin;

    /** What picocli fills in. */
    public CacheOptions() {}

    /** As a command line would say it: null or false where it says nothing. */
    public CacheOptions(String cache, String username, boolean passwordStdin) {
        this.cache = cache;
        this.username = username;
        this.passwordStdin = passwordStdin;
    }
}
