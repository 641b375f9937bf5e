package dev.registrycache.common.startup;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.settings.ConfigException;
import java.io.IOException;

/**
 * The start of every entry point: a component run by the supervisor exits with it, and a bad
 * configuration is refused with one line {@code registry-cache <name>: <why>} and exit status 2
 * before anything runs. What the machine refuses (a port in use, a file it may not read) ends
 * it with one such line too, and status 1: a stack trace tells a person starting it nothing.
 */
public final class Startup {
    /** Reads and validates the configuration (may build what it configures); throws {@link ConfigException}. */
    public interface Configure<T> {
        T configure() throws Exception;
    }

    /** Runs with what {@link Configure} returned; returns the exit status. */
    public interface Run<T> {
        int run(T configured) throws Exception;
    }

    private Startup() {}

    /** A component ({@code node}, {@code gateway}, ...): watches the supervisor that started it, if any. */
    public static <T> int component(String name, Configure<T> configure, Run<T> run) throws Exception {
        SupervisorWatch.startIfSupervised();
        return start("registry-cache " + name, configure, run);
    }

    /** The supervisor itself. */
    public static <T> int supervisor(Configure<T> configure, Run<T> run) throws Exception {
        return start("registry-cache", configure, run);
    }

    private static <T> int start(String program, Configure<T> configure, Run<T> run) throws Exception {
        try {
            T configured;
            try {
                configured = configure.configure();
            } catch (ConfigException e) {
                System.err.println(program + ": " + e.getMessage());
                return 2;
            }
            return run.run(configured);
        } catch (IOException e) {
            System.err.println(program + ": cannot start: " + Reasons.of(e));
            return 1;
        }
    }
}
