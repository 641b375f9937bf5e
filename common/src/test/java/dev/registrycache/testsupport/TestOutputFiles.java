package dev.registrycache.testsupport;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Keeps what a test class prints out of the build output: the log lines of the servers it runs
 * in-process, WARNs and ERRORs that many tests provoke on purpose (an upstream down, a refused
 * pull secret, a full disk), and anything else written to standard output or error. They go to
 * {@code target/test-logs/<class>.log} instead; when a test of the class fails, the file's last
 * {@value #SHOWN_LINES} lines are printed after all, with the file's name. Registered for every
 * test class by JUnit's extension auto-detection ({@code META-INF/services}; the parent POM turns
 * it on for surefire).
 */
public final class TestOutputFiles implements BeforeAllCallback, AfterAllCallback, TestWatcher {
    /** The folder of the files, below the module's directory (surefire's working directory). */
    public static final Path FOLDER = Path.of("target", "test-logs");

    static final int SHOWN_LINES = 300;
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(TestOutputFiles.class);

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        if (capture(context).isPresent()) {
            return; // a nested class: its outer class's file takes its output too
        }
        Path file = FOLDER.resolve(context.getRequiredTestClass().getName() + ".log");
        context.getStore(NAMESPACE).put(Capture.class, new Capture(context.getUniqueId(), file));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        capture(context).ifPresent(c -> c.failed = true);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        Optional<Capture> capture = capture(context);
        if (capture.isEmpty() || !capture.get().owner.equals(context.getUniqueId())) {
            return;
        }
        context.getStore(NAMESPACE).remove(Capture.class);
        capture.get().end(context.getExecutionException().isPresent());
    }

    private static Optional<Capture> capture(ExtensionContext context) {
        return Optional.ofNullable(context.getStore(NAMESPACE).get(Capture.class, Capture.class));
    }

    /** Standard output and error sent to one file until {@link #end}. */
    private static final class Capture {
        private final String owner;
        private final Path file;
        private final PrintStream out;
        private final PrintStream originalOut = System.out;
        private final PrintStream originalErr = System.err;
        private volatile boolean failed;

        Capture(String owner, Path file) throws IOException {
            this.owner = owner;
            this.file = file;
            Files.createDirectories(file.getParent());
            this.out = new PrintStream(new FileOutputStream(file.toFile()), true, StandardCharsets.UTF_8);
            System.setOut(out);
            System.setErr(out);
        }

        /** Puts standard output and error back; shows the file's end if a test failed. */
        void end(boolean classFailed) throws IOException {
            System.setOut(originalOut);
            System.setErr(originalErr);
            out.close(); // the class is done: what its threads still print goes to the build output
            if (failed || classFailed) {
                List<String> lines = readLines();
                int from = Math.max(0, lines.size() - SHOWN_LINES);
                originalOut.println("---- " + (from == 0 ? "" : "the last " + (lines.size() - from) + " of ")
                        + lines.size() + " lines of " + file.toAbsolutePath() + ":");
                lines.subList(from, lines.size()).forEach(originalOut::println);
                originalOut.println("---- end of " + file.toAbsolutePath());
            }
        }

        private List<String> readLines() {
            try {
                return new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
                        .lines()
                        .toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
