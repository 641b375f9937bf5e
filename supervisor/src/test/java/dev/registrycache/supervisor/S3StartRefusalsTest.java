package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.startup.SupervisorWatch;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.S3Bucket;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A bucket the processes cannot use stops each of them at start, the supervisor and every
 * component started alone, with one line that says what to check and exit status 1: no stack
 * trace, no secret, no child started (so no restart loop).
 */
class S3StartRefusalsTest {
    private static final String SECRET = S3Server.CREDENTIALS.password();

    @RegisterExtension
    static final S3Bucket BUCKET = new S3Bucket();

    @TempDir
    Path dir;

    /** What goes wrong, the S3_* variable it sets, and what the line must say. */
    enum BadBucket {
        MISSING("S3_BUCKET", "no-such-bucket", List.of("no-such-bucket", "404", "check S3_BUCKET")),
        WRONG_SECRET("S3_SECRET_ACCESS_KEY", "not-the-secret", List.of(S3Server.BUCKET, "403", "credentials")),
        UNKNOWN_KEY_ID("S3_ACCESS_KEY_ID", "nobody", List.of(S3Server.BUCKET, "403", "credentials"));

        final String variable;
        final String value;
        final List<String> said;

        BadBucket(String variable, String value, List<String> said) {
            this.variable = variable;
            this.value = value;
            this.said = said;
        }
    }

    /**
     * A missing bucket for each process: each turns what opening the store says into its one line;
     * the credentials' refusals, which open the store the same way, for the supervisor and a node.
     */
    static Stream<Arguments> processes() {
        List<Arguments> all = new ArrayList<>();
        for (String process : List.of("supervisor", "node", "gateway", "logger", "cleaner")) {
            all.add(Arguments.of(process, BadBucket.MISSING));
        }
        all.add(Arguments.of("supervisor", BadBucket.WRONG_SECRET));
        all.add(Arguments.of("supervisor", BadBucket.UNKNOWN_KEY_ID));
        all.add(Arguments.of("node", BadBucket.WRONG_SECRET));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("processes")
    void refusesToStartWithOneLineThatSaysWhatToCheck(String process, BadBucket bad) throws IOException {
        ProcessResult run = Tools.run(Duration.ofSeconds(90), command(process), environment(bad), dir);
        assertEquals(1, run.exitCode(), run.describe());
        List<String> lines = run.output().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line: " + run.output());
        String line = lines.get(0);
        String program = process.equals("supervisor") ? "registry-cache: " : "registry-cache " + process + ": ";
        assertTrue(line.startsWith(program + "cannot start: "), line);
        for (String said : bad.said) {
            assertTrue(line.contains(said), "'" + said + "' in: " + line);
        }
        assertFalse(line.contains(SECRET), line);
    }

    private List<String> command(String process) throws IOException {
        Path pullSecret = Files.writeString(dir.resolve("pull-secret.json"), "{\"auths\":{\"quay.io\":{}}}");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                RegistryCacheMain.class.getName()));
        if (!process.equals("supervisor")) {
            command.add(process);
        }
        command.addAll(List.of(
                "--data-dir",
                dir.resolve("data").toString(),
                "--log-dir",
                dir.resolve("logs").toString()));
        switch (process) {
            case "supervisor" ->
                command.addAll(
                        List.of("--pull-secret", pullSecret.toString(), "--port", String.valueOf(FreePort.pick())));
            case "gateway" ->
                command.addAll(List.of(
                        "--node",
                        "quay.io=http://127.0.0.1:" + FreePort.pick(),
                        "--port",
                        String.valueOf(FreePort.pick())));
            case "node" ->
                command.addAll(List.of("--pull-secret", pullSecret.toString(), "--upstream", "quay.io", "--port", "0"));
            default -> {}
        }
        return command;
    }

    private static Map<String, String> environment(BadBucket bad) {
        Map<String, String> env = new HashMap<>();
        for (String unset : List.of(
                "PULL_SECRET",
                "DATA_DIR",
                "LOG_DIR",
                "PORT",
                "CERTS",
                "REGISTRY_AUTH",
                "CLEANER_MAXSIZE",
                "CLEANER_RUNEVERY_TIME",
                SupervisorWatch.ENV)) {
            env.put(unset, null);
        }
        env.putAll(s3().environment("refused"));
        env.put(bad.variable, bad.value);
        env.put("UPSTREAM_ENDPOINTS", "quay.io=http://127.0.0.1:" + FreePort.pick());
        return env;
    }

    private static S3Server s3() {
        return BUCKET.server();
    }
}
