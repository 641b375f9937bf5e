package dev.registrycache.admin;

import dev.registrycache.client.CacheAccess;
import dev.registrycache.client.CacheFailure;
import dev.registrycache.client.CacheOptions;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.settings.ConfigException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * One admin subcommand: its arguments become one {@link AdminRequest}, checked with the settings
 * before anything is sent; the answer becomes lines for people, or with {@code --json} the API's
 * JSON as it came; a refusal becomes its OCI error on standard error and exit status 1. The
 * subcommands say only what they ask and how their answer reads.
 */
abstract class AdminAction implements Callable<Integer> {
    @Mixin
    CacheOptions cache = new CacheOptions();

    @Option(names = "--json", description = "print the API's answer as it came (JSON), for scripts")
    boolean json;

    @Spec
    CommandSpec spec;

    @ParentCommand
    AdminCommand admin;

    /** The request the arguments ask for; throws {@link InvalidValueException} saying which argument is wrong. */
    abstract AdminRequest request();

    /** The answer, for people. */
    abstract List<String> report(AdminAnswer answer, Instant now);

    /** What to tell the user on standard error after the request was done (with or without {@code --json}). */
    List<String> notes(AdminAnswer answer) {
        return List.of();
    }

    /** What to tell the user after the reason of a refusal: what to do about it. */
    List<String> hints(AdminRefusal refusal) {
        return List.of();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AdminRequest request;
        CacheAccess access;
        try {
            request = request();
            access = CacheAccess.resolve(cache, AdminCommand.PASSWORD_ENV, admin.env, admin.stdin);
        } catch (InvalidValueException | ConfigException e) {
            return finish(err, List.of(spec.qualifiedName() + ": " + e.getMessage()), AdminCommand.USAGE);
        }
        try (AdminClient client = new AdminClient(access)) {
            client.start();
            AdminAnswer answer = client.send(request);
            finish(out, json ? List.of(answer.text().strip()) : report(answer, admin.clock.instant()), 0);
            return finish(err, notes(answer), AdminCommand.DONE);
        } catch (AdminRefusal refusal) {
            if (json && refusal.errorBody() != null) {
                finish(out, List.of(refusal.errorBody().strip()), 0);
            }
            List<String> lines = new ArrayList<>(List.of(refusal.getMessage()));
            lines.addAll(hints(refusal));
            return finish(err, lines, AdminCommand.REFUSED);
        } catch (CacheFailure failure) {
            return finish(err, List.of(failure.getMessage()), AdminCommand.REFUSED);
        }
    }

    /** Prints {@code lines} to {@code to}; returns {@code exit}. */
    private static int finish(PrintWriter to, List<String> lines, int exit) {
        lines.forEach(to::println);
        to.flush();
        return exit;
    }
}
