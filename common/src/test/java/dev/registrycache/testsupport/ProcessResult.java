package dev.registrycache.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * What a finished external tool left behind. Tests assert on tools that fail on purpose (wrong
 * credentials), so a failed run is a value, not an exception; {@link #orThrow()} turns it into
 * one, carrying the whole output, for the runs that must succeed.
 */
public record ProcessResult(
        List<String> command, int exitCode, byte[] stdout, byte[] stderr, boolean timedOut, Duration elapsed) {

    public ProcessResult {
        command = List.copyOf(command);
    }

    public boolean succeeded() {
        return !timedOut && exitCode == 0;
    }

    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /** Standard output followed by standard error, for messages and substring assertions. */
    public String output() {
        String out = stdoutText();
        String err = stderrText();
        if (out.isEmpty()) {
            return err;
        }
        return err.isEmpty() ? out : out + (out.endsWith("\n") ? "" : "\n") + err;
    }

    /** Returns this result if the tool exited 0 in time, else throws with the command and its output. */
    public ProcessResult orThrow() {
        if (!succeeded()) {
            throw new IllegalStateException(describe());
        }
        return this;
    }

    public String describe() {
        String how = timedOut ? "timed out after " + elapsed.toMillis() + " ms" : "exited " + exitCode;
        return String.join(" ", command) + " " + how + ":\n" + output();
    }
}
