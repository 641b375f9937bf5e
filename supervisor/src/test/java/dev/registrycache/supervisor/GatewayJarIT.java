package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Tools;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar registry-cache.jar gateway}: help, certificate handling, refusing bad configuration. */
@Tag("artifact")
class GatewayJarIT {
    private static final Path JAR = Path.of(System.getProperty("registryCacheJar", "target/registry-cache.jar"));

    private static Process start(Map<String, String> env, Path output, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString(), "gateway"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_") || k.equals("PORT") || k.equals("CERTS"));
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void helpSaysHowNodesAreGiven(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Process p = start(Map.of(), out, "--help");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertTrue(Files.readString(out).contains("--node"));
    }

    @Test
    void refusesABrokenCertificateFileNamingIt(@TempDir Path dir) throws Exception {
        Path certs = Files.writeString(
                dir.resolve("certs.pem"), "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
        Path out = dir.resolve("out");
        Process p =
                start(Map.of("CERTS", certs.toString()), out, "--port", "0", "--node", "quay.io=http://127.0.0.1:5001");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "a broken certs.pem must stop the gateway");
        assertNotEquals(0, p.exitValue());
        assertTrue(Files.readString(out).contains(certs.toString()), Files.readString(out));
    }

    @Test
    void withoutCertificatesServesPlainHttpAndWarnsOnce(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path out = dir.resolve("out");
        Process p = start(
                Map.of("CERTS", dir.resolve("absent.pem").toString(), "PORT", Integer.toString(port)),
                out,
                "--host",
                "127.0.0.1",
                "--node",
                "quay.io=http://127.0.0.1:5001");
        try {
            AtomicReference<HttpResponse<String>> answer = new AtomicReference<>();
            Await.until(
                    "the gateway answering /v2/",
                    Await.DEADLINE,
                    () -> {
                        try {
                            answer.set(HttpClient.newHttpClient()
                                    .send(
                                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString()));
                            return true;
                        } catch (IOException notYet) {
                            return false;
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    },
                    () -> Tools.printed(out));
            assertEquals(200, answer.get().statusCode());
            long warnings = Files.readAllLines(out).stream()
                    .filter(l -> l.contains("WARN") && l.contains("plain HTTP"))
                    .count();
            assertEquals(1, warnings, Files.readString(out));
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }
}
