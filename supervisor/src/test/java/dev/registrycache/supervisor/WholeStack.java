package dev.registrycache.supervisor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** How the end-to-end tests start the whole cache as a user does, {@code java -jar registry-cache.jar}, and wait on it. */
final class WholeStack {
    static final Path JAR = Path.of(System.getProperty("registryCacheJar", "target/registry-cache.jar"));

    private WholeStack() {}

    /**
     * A process builder for the supervisor (behind {@code prefix}, e.g. {@code setsid}) with
     * {@code args}, its output merged, none of this machine's settings of the product in its
     * environment (the test's own machine may set any), then {@code env}.
     */
    static ProcessBuilder supervisor(List<String> prefix, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
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
