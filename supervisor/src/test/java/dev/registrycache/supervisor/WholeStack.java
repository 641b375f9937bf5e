package dev.registrycache.supervisor;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** How the end-to-end tests start the whole cache as a user does, {@code java -jar registry-cache.jar}, and wait on it. */
final class WholeStack {
    static final Path JAR = Path.of(System.getProperty("registryCacheJar", "target/registry-cache.jar"));

    private WholeStack() {}

    /**
     * The {@code java} of the JDK 25 installed under /usr/lib/jvm, where ./test.sh looks for it:
     * the artifact runs on JDK 17 and 25, and some behaviour (the AOT cache) exists on 25 only.
     * None installed fails the test: in CI a missing tool is an error, not a reason to skip.
     */
    static Path jdk25Java() throws IOException {
        try (var jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            return jdks.filter(d -> d.getFileName().toString().matches("(temurin|java)-25.*"))
                    .map(d -> d.resolve("bin/java"))
                    .filter(Files::isExecutable)
                    .sorted()
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no JDK 25 under /usr/lib/jvm (temurin-25* or java-25*)"));
        }
    }

    /**
     * A process builder for the supervisor (behind {@code prefix}, e.g. {@code setsid}) with
     * {@code args}, its output merged, none of this machine's settings of the product in its
     * environment (the test's own machine may set any), then {@code env}.
     */
    static ProcessBuilder supervisor(List<String> prefix, Map<String, String> env, String... args) {
        return supervisor(Path.of(System.getProperty("java.home"), "bin", "java"), prefix, env, args);
    }

    /** As {@link #supervisor(List, Map, String...)}, on the JVM {@code java}. */
    static ProcessBuilder supervisor(Path java, List<String> prefix, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(java.toString(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment()
                .keySet()
                .removeIf(k -> k.startsWith("REGISTRY_")
                        || k.startsWith("CLEANER_")
                        || k.startsWith("PEER")
                        || k.startsWith("S3_")
                        || k.startsWith("AWS_")
                        || List.of(
                                        "UPSTREAM_ENDPOINTS",
                                        "PULL_SECRET",
                                        "PORT",
                                        "BIND_ADDRESS",
                                        "CERTS",
                                        "DATA_DIR",
                                        "LOG_DIR",
                                        "POD_IP")
                                .contains(k));
        pb.environment().putAll(env);
        return pb;
    }

    /** A running supervisor and every line it printed. */
    record Stack(Process process, OutputLines.Lines lines, int port) {
        boolean printed(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }

        /** Waits until every line of the supervisor's output is in {@link #lines()}: it has exited. */
        void awaitOutputEnd() {
            Await.until("the end of the supervisor's output", lines::complete);
        }

        List<ProcessHandle> children() {
            return process.descendants().filter(ProcessHandle::isAlive).toList();
        }

        ProcessHandle child(String argument) {
            return children().stream()
                    .filter(h -> String.join(" ", h.info().arguments().orElse(new String[0]))
                            .contains(argument))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no child with " + argument + " in " + lines));
        }
    }

    /** Starts supervisors, and kills them with their children when closed (a test's clean-up, also on failure). */
    static final class Starter implements AutoCloseable {
        private final List<Process> started = new ArrayList<>();

        /** With {@code ownGroup}, the supervisor leads a new session and process group, as in a terminal. */
        Stack start(boolean ownGroup, Map<String, String> env, String... args) throws IOException {
            ProcessBuilder pb = supervisor(ownGroup ? List.of("setsid") : List.of(), env, args);
            Process p = pb.start();
            started.add(p);
            OutputLines.Lines lines = OutputLines.follow(p);
            int port = 8443;
            try {
                port = Integer.parseInt(env.getOrDefault("PORT", "8443"));
            } catch (NumberFormatException invalidOnPurpose) {
                // a test of bad configuration
            }
            return new Stack(p, lines, port);
        }

        @Override
        public void close() throws InterruptedException {
            for (Process p : started) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The environment of a stack in {@code dir}: the pull secret written there, the data and log
     * dirs under it, a free port, no certificate (plain HTTP), a light warm-up, and the upstreams'
     * {@code endpoints} (null: none).
     */
    static Map<String, String> env(Path dir, String pullSecretJson, String endpoints) throws IOException {
        Path secret = Files.writeString(dir.resolve("pull-secret.json"), pullSecretJson);
        Map<String, String> env = new HashMap<>();
        env.put("PULL_SECRET", secret.toString());
        env.put("DATA_DIR", dir.resolve("data").toString());
        env.put("LOG_DIR", dir.resolve("logs").toString());
        env.put("PORT", Integer.toString(FreePort.pick()));
        env.put("CERTS", dir.resolve("no-certs.pem").toString());
        env.put("WARMUP_SIZE", "32M"); // each start warms up: enough to see it, light on a shared machine
        if (endpoints != null) {
            env.put("UPSTREAM_ENDPOINTS", endpoints);
        }
        return env;
    }
}
