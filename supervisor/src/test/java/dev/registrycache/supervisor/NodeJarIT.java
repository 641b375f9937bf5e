package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built artifact (tagged "artifact": these run on every JDK CI tries), run as users and systemd units run it: {@code java -jar registry-cache.jar node ...}. */
@Tag("artifact")
class NodeJarIT {
    private static final Path JAR = Path.of(System.getProperty("registryCacheJar", "target/registry-cache.jar"));
    private static final String SECRET = "n0t-in-any-log";

    private static String auth(String user, String pass) {
        return Base64.getEncoder().encodeToString((user + ":" + pass).getBytes(StandardCharsets.UTF_8));
    }

    private record Run(int exit, String output) {}

    private static Process start(Map<String, String> env, Path output, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_") || k.equals("UPSTREAM_ENDPOINTS"));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static Run run(Map<String, String> env, Path dir, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = start(env, out, args);
        try {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "process did not exit");
            return new Run(p.exitValue(), Files.readString(out));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void helpDescribesTheNode(@TempDir Path dir) throws Exception {
        Run r = run(Map.of(), dir, "node", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.output().contains("--upstream") && r.output().contains("--pull-secret"), r.output());
    }

    @Test
    void refusesBadConfigurationNamingFileOrVariableAndEntry(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("absent.json");
        Path notJson = Files.writeString(dir.resolve("bad.json"), "{auths: nope");
        Path badAuth = Files.writeString(
                dir.resolve("badauth.json"),
                "{\"auths\":{\"quay.io\":{\"auth\":\"" + Base64.getEncoder().encodeToString(SECRET.getBytes())
                        + "\"}}}");
        Path good = Files.writeString(
                dir.resolve("good.json"), "{\"auths\":{\"quay.io\":{\"auth\":\"" + auth("u", SECRET) + "\"}}}");
        Object[][] cases = {
            {Map.of(), new String[] {"--pull-secret", missing.toString()}, missing + " (PULL_SECRET): file not found"},
            {Map.of(), new String[] {"--pull-secret", notJson.toString()}, "not valid JSON"},
            {
                Map.of(),
                new String[] {"--pull-secret", badAuth.toString()},
                "entry 'quay.io': 'auth' is not base64 of user:password"
            },
            {
                Map.of("UPSTREAM_ENDPOINTS", "quay.io=ftp://x"),
                new String[] {"--pull-secret", good.toString()},
                "UPSTREAM_ENDPOINTS: entry 'quay.io=ftp://x'"
            },
            {
                Map.of("PULL_SECRET", good.toString()),
                new String[] {"--upstream", "docker.io"},
                "has no entry for docker.io"
            },
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Map<String, String> env = (Map<String, String>) c[0];
            List<String> args = new ArrayList<>(List.of(
                    "node",
                    "--data-dir",
                    dir.resolve("d").toString(),
                    "--log-dir",
                    dir.resolve("l").toString(),
                    "--port",
                    "0"));
            args.addAll(List.of((String[]) c[1]));
            if (!args.contains("--upstream")) {
                args.addAll(List.of("--upstream", "quay.io"));
            }
            Run r = run(env, dir, args.toArray(String[]::new));
            assertNotEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains((String) c[2]), "expected '" + c[2] + "' in: " + r.output());
            assertFalse(r.output().contains(SECRET), r.output());
        }
    }

    @Test
    void servesPullsWithCredentialsFromThePullSecret(@TempDir Path dir) throws Exception {
        TestCredentials user = TestCredentials.of("robot", SECRET);
        Image image =
                OciImages.image().oci().seed(31).layers(1).layerSize(10_000).build();
        try (UpstreamRegistry upstream = UpstreamRegistry.withHtpasswd(user)) {
            upstream.push(image, "team/app", "v1");
            Path secret = Files.writeString(
                    dir.resolve("ps.json"),
                    "{\"auths\":{\"https://quay.io/\":{\"auth\":\"" + auth(user.username(), user.password()) + "\"}}}");
            int port = FreePort.pick();
            Path out = dir.resolve("node.out");
            Process node = start(
                    Map.of(
                            "UPSTREAM_ENDPOINTS",
                            "quay.io=" + upstream.baseUrl(),
                            "PULL_SECRET",
                            secret.toString(),
                            "DATA_DIR",
                            dir.resolve("data").toString(),
                            "LOG_DIR",
                            dir.resolve("logs").toString()),
                    out,
                    "node",
                    "--upstream",
                    "quay.io",
                    "--port",
                    Integer.toString(port));
            try {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + port);
                AtomicReference<RegistryClient.Response> answer = new AtomicReference<>();
                Await.until(
                        "the node answering",
                        Await.DEADLINE,
                        () -> {
                            try {
                                answer.set(client.getManifest("quay.io/team/app", "v1"));
                                return true;
                            } catch (RuntimeException notYet) {
                                return false;
                            }
                        },
                        () -> Tools.printed(out));
                RegistryClient.Response r = answer.get();
                assertEquals(200, r.status(), r.text());
                assertEquals(image.manifest().digest(), r.sha256());
                assertTrue(Files.exists(dir.resolve("logs/node-quay.io.access.log")));
                assertTrue(Files.isDirectory(dir.resolve("data/docker/registry/v2/repositories/quay.io/team/app")));
                String cmdline = String.join(" ", node.info().arguments().orElse(new String[0]));
                assertFalse(cmdline.contains(SECRET), cmdline);
            } finally {
                node.destroy();
                node.waitFor(10, TimeUnit.SECONDS);
                node.destroyForcibly();
            }
            assertFalse(Files.readString(out).contains(SECRET));
        }
    }
}
