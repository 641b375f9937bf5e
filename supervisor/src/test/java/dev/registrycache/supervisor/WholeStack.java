package dev.registrycache.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
}
