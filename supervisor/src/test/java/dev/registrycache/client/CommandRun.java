package dev.registrycache.client;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** What a run of a command printed, and its exit status: a client command run in-process as the jar runs it. */
public record CommandRun(int exit, String out, String err) {
    /** Runs {@code command} (set up by the test) with {@code args}. */
    public static CommandRun of(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(command)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new CommandRun(exit, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- out:\n" + out + "--- err:\n" + err;
    }
}
