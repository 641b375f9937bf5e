package dev.registrycache.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The one way tests start external tools (docker-registry, skopeo, podman, htpasswd). It decides
 * what a missing tool means (a failed test, never a skipped one: {@code .ci/run} installs them all),
 * keeps the developer's {@code REGISTRY_*} variables away from children (docker-registry reads
 * every one of them as configuration, podman and skopeo read {@code REGISTRY_AUTH_FILE}), never
 * lets a hung tool hang the build, and kills what is still running when the test JVM exits.
 */
public final class Tools {

    /** Long enough for a podman pull of a few MiB on a slow CI machine. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final File DEV_NULL = new File("/dev/null");
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> LIVE.forEach(Tools::killTree), "testsupport-process-reaper"));
    }

    private Tools() {}

    /** Whether {@code executable} is an executable file in a directory of {@code PATH}. */
    public static boolean onPath(String executable) {
        return find(executable) != null;
    }

    /**
     * Returns the path of {@code executable}; a missing tool fails the test (never skips it),
     * everywhere, so that a run without the real peers cannot pass.
     */
    public static Path require(String executable) {
        Path found = find(executable);
        if (found == null) {
            fail("'" + executable + "' is not on PATH; the README's test command installs it");
        }
        return found;
    }

    public static ProcessResult run(Duration timeout, List<String> command) {
        return run(timeout, command, Map.of(), null);
    }

    /**
     * Runs {@code command} to completion with stdin from /dev/null, capturing stdout and stderr
     * (through files, so a chatty tool cannot block on a full pipe). {@code env} entries are
     * added to the sanitised environment; a {@code null} value removes a variable. On timeout the
     * process and its descendants are killed and the result says {@code timedOut}.
     */
    public static ProcessResult run(Duration timeout, List<String> command, Map<String, String> env, Path workDir) {
        ProcessBuilder builder = processBuilder(command);
        env.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("testsupport-out-", ".log");
            err = Files.createTempFile("testsupport-err-", ".log");
            builder.redirectInput(DEV_NULL).redirectOutput(out.toFile()).redirectError(err.toFile());
            long started = System.nanoTime();
            Process process = start(builder);
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finished = false;
            } finally {
                if (process.isAlive()) {
                    killTree(process);
                }
                LIVE.remove(process);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            int exit = finished ? process.exitValue() : -1;
            return new ProcessResult(
                    command, exit, Files.readAllBytes(out), Files.readAllBytes(err), !finished, elapsed);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** {@link #run(Duration, List)} that throws, with the output, unless the tool exits 0. */
    public static ProcessResult runOrThrow(Duration timeout, List<String> command) {
        return run(timeout, command).orThrow();
    }

    public static ProcessResult runOrThrow(
            Duration timeout, List<String> command, Map<String, String> env, Path workDir) {
        return run(timeout, command, env, workDir).orThrow();
    }

    /**
     * Runs a shell script (a README block) with {@code sh -e}, with {@code wrappers} (name to
     * script text) written as executables into {@code bin} and found first on the PATH, so that
     * the script's {@code podman} or {@code docker} is a test's private one.
     */
    public static ProcessResult runScript(
            Duration timeout,
            String script,
            Path bin,
            Map<String, String> wrappers,
            Map<String, String> env,
            Path dir) {
        try {
            Files.createDirectories(bin);
            for (Map.Entry<String, String> w : wrappers.entrySet()) {
                Path file = Files.writeString(bin.resolve(w.getKey()), w.getValue());
                file.toFile().setExecutable(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("PATH", bin + ":" + System.getenv("PATH"));
        return run(timeout, List.of("sh", "-ec", script), all, dir);
    }

    /** A process builder whose environment is the test JVM's without any {@code REGISTRY_*}. */
    public static ProcessBuilder processBuilder(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("REGISTRY_"));
        return builder;
    }

    /**
     * Starts a long-running process (a server) built by {@link #processBuilder}; it is killed
     * when the test JVM exits if nobody stopped it before.
     */
    public static Process start(ProcessBuilder builder) throws IOException {
        Process process = builder.start();
        LIVE.add(process);
        return process;
    }

    /**
     * What a process whose output goes to {@code file} has printed so far, to wait on a line or to
     * show in a failure message: empty while the file is not there.
     */
    public static String printed(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Asks the process to stop (SIGTERM), then kills it and its descendants after {@code grace}. */
    public static void stop(Process process, Duration grace) {
        try {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(process);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree(process);
        } finally {
            LIVE.remove(process);
        }
    }

    static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path find(String executable) {
        if (executable.contains("/")) {
            Path path = Path.of(executable);
            return Files.isRegularFile(path) && Files.isExecutable(path) ? path : null;
        }
        String pathVariable = System.getenv("PATH");
        if (pathVariable == null) {
            return null;
        }
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, executable);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover capture file in java.io.tmpdir is harmless
            }
        }
    }
}
