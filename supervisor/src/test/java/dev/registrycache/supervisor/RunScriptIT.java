package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command as a newcomer uses it: {@code ./run.sh} in a fresh clone builds the jar
 * and serves at once on its defaults, to this machine alone, a pull goes through it, Ctrl-C stops
 * it, and a second run, from another folder with a pull secret named relative to it, neither
 * rebuilds nor loses the cache (the pull works with the upstream stopped), leaving nothing
 * untracked in the checkout.
 */
@Tag("e2e")
class RunScriptIT {
    private static final Duration READY = Duration.ofMinutes(5); // the first run builds the jar

    /** A running {@code ./run.sh} in its own process group, as in a terminal, with every line it printed. */
    private record Run(Process process, List<String> lines) {
        boolean printed(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }

        void awaitLine(String text) {
            Await.until(
                    "'" + text + "' from ./run.sh",
                    READY,
                    () -> {
                        if (printed(text)) {
                            return true;
                        }
                        if (!process.isAlive()) {
                            throw new AssertionError(
                                    "./run.sh ended without '" + text + "':\n" + String.join("\n", lines));
                        }
                        return false;
                    },
                    () -> String.join("\n", lines));
        }

        /** Ctrl-C: SIGINT to the whole foreground group. */
        int interrupt() throws Exception {
            new ProcessBuilder("kill", "-INT", "--", "-" + process.pid())
                    .inheritIO()
                    .start()
                    .waitFor();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("./run.sh still running 60 s after Ctrl-C:\n" + String.join("\n", lines));
            }
            return process.exitValue();
        }
    }

    /**
     * {@code ./run.sh} run as {@code script} (a path relative to {@code from}) with {@code args},
     * from the folder {@code from}, in a newcomer's shell with {@code env} added.
     */
    private static Run start(Path from, String script, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("setsid", script));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(from.toFile()).redirectErrorStream(true);
        // a newcomer's shell: none of the cache's settings but the port and where the upstreams are
        pb.environment()
                .keySet()
                .removeIf(k -> k.startsWith("REGISTRY_")
                        || k.startsWith("CLEANER_")
                        || List.of(
                                        "PULL_SECRET",
                                        "DATA_DIR",
                                        "LOG_DIR",
                                        "CERTS",
                                        "UPSTREAM_ENDPOINTS",
                                        "PORT",
                                        "BIND_ADDRESS")
                                .contains(k));
        pb.environment().putAll(env);
        Process p = pb.start();
        List<String> lines = OutputLines.follow(p);
        return new Run(p, lines);
    }

    @Test
    void runShFromAFreshCloneServesStopsOnCtrlCAndKeepsTheCacheForTheNextRun(@TempDir Path dir) throws Exception {
        Tools.require("git");
        Image image =
                OciImages.image().oci().seed(95).layers(2).layerSize(100_000).build();
        Path clone = dir.resolve("registry-cache");
        Tools.runOrThrow(
                Duration.ofMinutes(2), List.of("git", "clone", "-q", ContainerHost.ROOT.toString(), clone.toString()));
        Skopeo skopeo = Skopeo.create();
        int port = FreePort.pick();
        String reference = "docker://127.0.0.1:" + port + "/quay.io/team/app:v1";
        Run first;
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "team/app", "v1");
            String endpoints = "quay.io=" + upstream.baseUrl() + " docker.io=" + upstream.baseUrl();
            // PORT says one port, --port another: the argument wins, in the hints too
            Map<String, String> env =
                    Map.of("UPSTREAM_ENDPOINTS", endpoints, "PORT", Integer.toString(FreePort.pick()));
            first = start(clone, "./run.sh", env, "--port", Integer.toString(port));
            try {
                first.awaitLine("registry-cache ready in");
                first.awaitLine("names without a registry go to docker.io"); // the last of the hint lines
                assertTrue(first.printed("run.sh: building"), "the first run builds the jar");
                assertTrue(
                        first.printed("no PULL_SECRET given: serving the registries in "
                                + clone.resolve(".run/pull-secret.json") + " (docker.io and quay.io"),
                        String.join("\n", first.lines()));
                assertTrue(first.printed("docker.io (anonymously): podman pull --tls-verify=false localhost:" + port
                        + "/docker.io/library/alpine:latest"));
                assertTrue(first.printed("quay.io (anonymously): podman pull --tls-verify=false localhost:" + port
                        + "/quay.io/podman/hello:latest"));
                assertTrue(first.printed("at http://localhost:" + port + "/ serving docker.io, quay.io"));
                assertEquals(
                        PosixFilePermissions.fromString("rw-------"),
                        Files.getPosixFilePermissions(clone.resolve(".run/pull-secret.json")),
                        "a file meant to hold credentials is its owner's alone");
                // this machine alone: no other interface reaches it, and it is no open proxy to warn of
                assertTrue(first.printed("it listens on 127.0.0.1, for this machine alone"));
                assertFalse(first.printed("without authentication"), String.join("\n", first.lines()));
                InetAddress external = nonLoopbackAddress();
                try (Socket socket = new Socket()) {
                    assertThrows(
                            ConnectException.class,
                            () -> socket.connect(new InetSocketAddress(external, port), 5_000),
                            "reached from " + external);
                }
                skopeo.copy(reference, "dir:" + dir.resolve("first"));
                assertEquals(
                        image.manifest().digest(), Sha256.of(Files.readAllBytes(dir.resolve("first/manifest.json"))));
            } finally {
                assertEquals(0, first.interrupt(), String.join("\n", first.lines()));
            }
            assertTrue(first.printed("every component stopped"), String.join("\n", first.lines()));
            upstream.stop();

            // started from another folder, with a pull secret named relative to it
            Files.writeString(dir.resolve("my-secret.json"), "{\"auths\":{\"quay.io\":{}}}");
            Run second = start(
                    dir,
                    "registry-cache/run.sh",
                    Map.of(
                            "UPSTREAM_ENDPOINTS",
                            endpoints,
                            "PORT",
                            Integer.toString(port),
                            "PULL_SECRET",
                            "my-secret.json"));
            try {
                second.awaitLine("registry-cache ready in");
                assertTrue(
                        second.printed("is up to date"),
                        "nothing changed: no rebuild\n" + String.join("\n", second.lines()));
                assertFalse(second.printed("run.sh: building"));
                assertTrue(second.printed("serving quay.io"), String.join("\n", second.lines()));
                // the upstream is down: only the cache kept from the first run can answer
                skopeo.copy(reference, "dir:" + dir.resolve("second"));
                assertEquals(
                        image.manifest().digest(), Sha256.of(Files.readAllBytes(dir.resolve("second/manifest.json"))));
            } finally {
                assertEquals(0, second.interrupt(), String.join("\n", second.lines()));
            }
        }
        String status = Tools.runOrThrow(
                        Duration.ofSeconds(30), List.of("git", "-C", clone.toString(), "status", "--porcelain"))
                .stdoutText();
        assertEquals("", status, "run.sh leaves nothing untracked in the checkout");
    }

    /** One of this machine's addresses that is not loopback: the network's way in. */
    private static InetAddress nonLoopbackAddress() throws Exception {
        return NetworkInterface.networkInterfaces()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (SocketException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address)
                .findFirst()
                .orElseThrow(() -> new AssertionError("this machine has no IPv4 address but loopback: cannot check "
                        + "that run.sh serves loopback alone"));
    }
}
