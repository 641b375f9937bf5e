package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.StoreLayout;
import dev.registrycache.supervisor.WholeStack.Stack;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.SlowClient;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole cache started exactly as a user starts it: {@code java -jar registry-cache.jar}. */
@Tag("e2e")
class SupervisorIT {
    private final WholeStack.Starter stacks = new WholeStack.Starter();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        stacks.close();
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private Stack start(Map<String, String> env, String... args) throws Exception {
        return start(false, env, args);
    }

    /** With {@code ownGroup}, the supervisor leads a new session and process group, as in a terminal. */
    private Stack start(boolean ownGroup, Map<String, String> env, String... args) throws Exception {
        return stacks.start(ownGroup, env, args);
    }

    private Map<String, String> env(Path dir, String pullSecretJson, String endpoints) throws Exception {
        return WholeStack.env(dir, pullSecretJson, endpoints);
    }

    @Test
    void runsTheWholeCacheForTwoRegistriesAndStopsCleanly(@TempDir Path dir) throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        UpstreamRegistry hub = UpstreamRegistry.plain();
        closeables.add(hub);
        Image a = OciImages.image().oci().seed(51).layers(2).layerSize(100_000).build();
        Image b =
                OciImages.image().docker().seed(52).layers(1).layerSize(100_000).build();
        quay.push(a, "team/a", "v1");
        hub.push(b, "library/b", "v2");
        String auth = Base64.getEncoder().encodeToString("user:s3cr3t-pw".getBytes(StandardCharsets.UTF_8));
        Map<String, String> env = env(
                dir,
                "{\"auths\":{\"quay.io\":{},\"https://index.docker.io/v1/\":{\"auth\":\"" + auth
                        + "\"},\"cloud.openshift.com\":{\"auth\":\"" + auth + "\"}}}",
                "quay.io=" + quay.baseUrl() + " docker.io=" + hub.baseUrl());
        Stack stack = start(env);
        Await.until("the ready line", Duration.ofSeconds(30), () -> stack.printed("registry-cache ready"));
        for (String component : List.of("[node quay.io] ", "[node docker.io] ", "[gateway] ")) {
            // told by the supervisor once the whole cache was ready (a line on its stdin), not before
            Await.until(
                    component + "warm-up",
                    Duration.ofSeconds(60),
                    () -> stack.lines().stream()
                            .anyMatch(l ->
                                    l.startsWith(component) && l.contains("warm-up: 32 MiB through a throwaway copy")));
        }
        Await.until(
                "two nodes and the gateway, once the logger's and the cleaner's first passes ended",
                Duration.ofSeconds(30),
                () -> stack.children().stream()
                                .filter(h -> h.info().command().orElse("").endsWith("java"))
                                .count()
                        == 3);
        assertFalse(stack.printed("[node cloud.openshift.com]"));
        assertTrue(
                stack.printed("serving the network on every interface port " + stack.port()
                        + " without authentication: anyone who reaches this machine can pull through the cache"),
                "an open cache says so once: " + stack.lines());
        Skopeo skopeo = Skopeo.create();
        String host = "127.0.0.1:" + stack.port();
        skopeo.copy("docker://" + host + "/quay.io/team/a:v1", "dir:" + dir.resolve("a"));
        skopeo.copy("docker://" + host + "/docker.io/b:v2", "dir:" + dir.resolve("b"));
        assertEquals(a.manifest().digest(), Sha256.of(Files.readAllBytes(dir.resolve("a/manifest.json"))));
        assertEquals(b.manifest().digest(), Sha256.of(Files.readAllBytes(dir.resolve("b/manifest.json"))));
        assertTrue(stack.printed("[gateway] "));
        assertTrue(stack.printed("[node quay.io] "));
        assertTrue(stack.printed("[node docker.io] "));
        for (ProcessHandle child : stack.children()) {
            assertFalse(String.join(" ", child.info().arguments().orElse(new String[0]))
                    .contains("s3cr3t-pw"));
        }
        HttpClient http = HttpClient.newHttpClient();
        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create("http://" + host + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        for (String expected : List.of(
                "registry_cache_requests_total{registry=\"quay.io\",kind=\"blob\",cache=\"miss\",code=\"200\"}",
                "registry_cache_requests_total{registry=\"docker.io\",kind=\"manifest\"",
                "registry_cache_node_up{registry=\"quay.io\"} 1",
                "registry_cache_child_restarts_total{child=\"node quay.io\"} 0",
                "registry_cache_upstream_blob_bytes_total{registry=\"quay.io\"}",
                "registry_cache_upstream_responses_total{registry=\"docker.io\",method=\"HEAD\",code=\"200\"}",
                "registry_cache_gateway_requests_total{code=\"200\"}")) {
            assertTrue(metrics.contains(expected), expected + " missing from /metrics:\n" + metrics);
        }
        assertEquals(
                1,
                metrics.lines()
                        .filter(l -> l.equals("# TYPE registry_cache_requests_total counter"))
                        .count(),
                metrics);
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create("http://" + host + "/healthz"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("\"quay.io\":\"up\""), health.body());
        assertTrue(stack.lines().stream().noneMatch(l -> l.contains("s3cr3t-pw")));
        // the node's own port serves the gateway only: a local process going around htpasswd is refused
        String[] nodeArgs = stack.child("--upstream quay.io").info().arguments().orElseThrow();
        int nodePort = Integer.parseInt(nodeArgs[List.of(nodeArgs).indexOf("--port") + 1]);
        HttpResponse<String> direct = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodePort + "/v2/quay.io/team/a/manifests/v1"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, direct.statusCode(), direct.body());

        List<ProcessHandle> children = stack.children();
        stack.process().destroy(); // SIGTERM
        assertTrue(stack.process().waitFor(40, TimeUnit.SECONDS));
        assertEquals(0, stack.process().exitValue(), String.join("\n", stack.lines()));
        Await.until(
                "every child gone",
                Duration.ofSeconds(30),
                () -> children.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void aKilledNodeIsRestartedAndPullsWorkAgain(@TempDir Path dir) throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        Path big = randomFile(dir.resolve("big"), 256, 7);
        String digest = quay.pushBlob("team/big", big);
        Image small =
                OciImages.image().oci().seed(53).layers(1).layerSize(10_000).build();
        quay.push(small, "team/small", "v1");
        Stack stack = start(env(dir, "{\"auths\":{\"quay.io\":{}}}", "quay.io=" + quay.baseUrl()));
        Await.until("the ready line", Duration.ofSeconds(30), () -> stack.printed("registry-cache ready"));
        ProcessHandle node = stack.child("--upstream quay.io");
        HttpClient http = HttpClient.newHttpClient();
        URI blob = URI.create("http://127.0.0.1:" + stack.port() + "/v2/quay.io/team/big/blobs/" + digest);
        HttpResponse<InputStream> transfer =
                http.send(HttpRequest.newBuilder(blob).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, transfer.statusCode());
        transfer.body().readNBytes(1 << 20);
        node.destroyForcibly(); // kill -9 mid-pull
        assertThrows(java.io.IOException.class, () -> transfer.body().readAllBytes());
        URI manifest = URI.create("http://127.0.0.1:" + stack.port() + "/v2/quay.io/team/small/manifests/v1");
        Await.until("a pull through the restarted node", Duration.ofSeconds(60), () -> {
            try {
                return http.send(
                                        HttpRequest.newBuilder(manifest)
                                                .header("Accept", "application/vnd.oci.image.manifest.v1+json")
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode()
                        == 200;
            } catch (Exception e) {
                return false;
            }
        });
        HttpResponse<byte[]> again =
                http.send(HttpRequest.newBuilder(blob).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(digest, Sha256.of(again.body()));
        assertNotEquals(node.pid(), stack.child("--upstream quay.io").pid());
        Await.until("the restarted node's warm-up, told at its start", Duration.ofSeconds(60), () -> {
            List<String> lines = stack.lines();
            int exit = lines.indexOf(lines.stream()
                    .filter(l -> l.contains("node quay.io exited"))
                    .findFirst()
                    .orElseThrow());
            return lines.subList(exit, lines.size()).stream()
                    .anyMatch(l -> l.startsWith("[node quay.io] ") && l.contains("warm-up"));
        });
        assertTrue(stack.printed("node quay.io exited"), String.join("\n", stack.lines()));
        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.port() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(metrics.contains("registry_cache_child_restarts_total{child=\"node quay.io\"} 1"), metrics);
    }

    @Test
    void sigtermTwiceLetsATransferInFlightFinishAndRefusesNewRequests(@TempDir Path dir) throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        Path big = randomFile(dir.resolve("big"), 128, 9);
        String digest = quay.pushBlob("team/big", big);
        Stack stack = start(env(dir, "{\"auths\":{\"quay.io\":{}}}", "quay.io=" + quay.baseUrl()));
        Await.until("the ready line", Duration.ofSeconds(30), () -> stack.printed("registry-cache ready"));
        HttpClient http = HttpClient.newHttpClient();
        URI blob = URI.create("http://127.0.0.1:" + stack.port() + "/v2/quay.io/team/big/blobs/" + digest);
        assertEquals(
                200,
                http.send(HttpRequest.newBuilder(blob).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode());
        HttpResponse<InputStream> transfer =
                http.send(HttpRequest.newBuilder(blob).build(), HttpResponse.BodyHandlers.ofInputStream());
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        int n = transfer.body().readNBytes(buf, 0, buf.length);
        sha.update(buf, 0, n);
        List<ProcessHandle> children = stack.children();
        // SIGTERM while the client is still reading (Process.destroy also closes our end of the
        // supervisor's output: the stop shows in the gateway's answers, not in lines)
        stack.process().destroy();
        Await.until("the stop under way: a stopping gateway taking no new requests", () -> refusesNewRequests(stack));
        stack.process().destroy(); // and a second one (a second Ctrl-C): it must not cut the grace period short
        assertTrue(refusesNewRequests(stack), "a stopping gateway takes no new requests");
        long slowUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while ((n = transfer.body().read(buf)) > 0) {
            sha.update(buf, 0, n);
            if (System.nanoTime() < slowUntil) {
                Thread.sleep(2); // a slow client for the first seconds of the shutdown
            }
        }
        assertEquals(
                digest,
                "sha256:" + java.util.HexFormat.of().formatHex(sha.digest()),
                "the transfer in flight completed");
        assertTrue(stack.process().waitFor(40, TimeUnit.SECONDS));
        assertEquals(0, stack.process().exitValue());
        assertTrue(
                children.stream().noneMatch(ProcessHandle::isAlive),
                "every child stopped before the supervisor exited");
    }

    @Test
    void sigtermLetsClientsOnSlowLinksFinishTheirTransfers(@TempDir Path dir) throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        String stored = quay.pushBlob("team/big", randomFile(dir.resolve("stored"), 20, 21));
        String cold = quay.pushBlob("team/big", randomFile(dir.resolve("cold"), 20, 22));
        Stack stack = start(env(dir, "{\"auths\":{\"quay.io\":{}}}", "quay.io=" + quay.baseUrl()));
        Await.until("the ready line", Duration.ofSeconds(30), () -> stack.printed("registry-cache ready"));
        String blobs = "/v2/quay.io/team/big/blobs/";
        assertEquals(
                200,
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.port() + blobs + stored))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode());
        SlowClient fromStore = SlowClient.get(stack.port(), blobs + stored, SlowClient.Pace.STALLING);
        closeables.add(fromStore);
        SlowClient throughNode = SlowClient.get(stack.port(), blobs + cold, SlowClient.Pace.STALLING);
        closeables.add(throughNode);
        fromStore.readUntil(1 << 20);
        throughNode.readUntil(1 << 20);
        stack.process().destroy(); // SIGTERM
        CompletableFuture<String> streamed = CompletableFuture.supplyAsync(() -> {
            try {
                return throughNode.readToEnd();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertEquals(stored, fromStore.readToEnd(), "a stored blob, which the gateway serves, arrived whole");
        assertEquals(
                cold,
                streamed.get(60, TimeUnit.SECONDS),
                "a blob the node streams through the gateway arrived whole: the node serves while the gateway stops");
        assertTrue(
                stack.process().waitFor(60, TimeUnit.SECONDS),
                () -> "still running 60 s after the signal:\n" + String.join("\n", stack.lines()));
        assertEquals(0, stack.process().exitValue(), String.join("\n", stack.lines()));
    }

    @Test
    void aSupervisorKilledWithSigkillDuringAPassLeavesNoCleanerAndTheLeaseFreeAndTheNextStartCleansAtOnce(
            @TempDir Path dir) throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        Map<String, String> env = env(dir, "{\"auths\":{\"quay.io\":{}}}", "quay.io=" + quay.baseUrl());
        env.put("CLEANER_RUNEVERY_TIME", "2s"); // a pass every 2 s; the lease's term stays 2m
        oldBlobs(dir.resolve("data"), 2000, 100); // nothing to evict, but each pass scans them with the lease held
        Path lease = dir.resolve("data/.leases/cleaner");
        Stack first = start(env);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.exists(lease)) { // a pass holds it for a few milliseconds: looked at in a tight loop
            assertTrue(System.nanoTime() < deadline, "no cleaning pass took the lease: " + first.lines());
            Thread.onSpinWait();
        }
        List<ProcessHandle> children = first.children();
        first.process().toHandle().destroyForcibly();
        Await.until(
                "the children to exit",
                Duration.ofSeconds(30),
                () -> children.stream().noneMatch(ProcessHandle::isAlive));
        assertFalse(Files.exists(lease), "the cleaner gave its lease up before it exited");
        Stack next = start(env);
        Await.until(
                "the next start's cleaning pass (the lease term is 2m)",
                Duration.ofSeconds(60),
                () -> next.printed("[cleaner] cleaner: store"));
    }

    @Test
    void theCleanerAndTheLoggerRunAsAProcessPerPassOnTheirScheduleAndASigtermStopsAPassCleanly(@TempDir Path dir)
            throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        Image image =
                OciImages.image().oci().seed(61).layers(1).layerSize(50_000).build();
        quay.push(image, "team/a", "v1");
        Map<String, String> env = env(dir, "{\"auths\":{\"quay.io\":{}}}", "quay.io=" + quay.baseUrl());
        env.put("CLEANER_RUNEVERY_TIME", "3s");
        env.put("CLEANER_MAXSIZE", "100K");
        List<Path> old = oldBlobs(dir.resolve("data"), 3, 1 << 20); // 3 MiB unused for an hour: over 100K + 20 %
        Stack stack = start(env);
        Await.until("the ready line", Duration.ofSeconds(30), () -> stack.printed("registry-cache ready"));
        Await.until(
                "a pass evicting the old blobs",
                Duration.ofSeconds(60),
                () -> old.stream().noneMatch(Files::exists));
        // a pull writes access-log lines: the logger reads them in a pass of its own before the next cleaning pass
        Skopeo.create().copy("docker://127.0.0.1:" + stack.port() + "/quay.io/team/a:v1", "dir:" + dir.resolve("a"));
        Await.until(
                "a logger pass reading the pull's lines",
                Duration.ofSeconds(60),
                () -> stack.lines().stream()
                        .anyMatch(l -> l.startsWith("[logger] ")
                                && l.contains("access logs read to their end")
                                && !l.contains("end, 0 lines")));
        Set<Long> cleaners = new HashSet<>();
        boolean[] none = {false};
        Await.until("passes in processes of their own, none left between passes", Duration.ofSeconds(60), () -> {
            List<ProcessHandle> passes = component(stack, "cleaner");
            passes.forEach(h -> cleaners.add(h.pid()));
            none[0] |= passes.isEmpty() && component(stack, "logger").isEmpty();
            return none[0] && cleaners.size() >= 2;
        });
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.port() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(
                metrics.contains("\nregistry_cache_evicted_blobs_total 3\n"),
                "the counters go on across passes: " + metrics);
        assertFalse(metrics.contains("\nregistry_cache_cleaner_passes_total 1\n"), metrics);
        Await.until(
                "a cleaning pass running",
                Duration.ofSeconds(60),
                () -> !component(stack, "cleaner").isEmpty());
        List<ProcessHandle> children = stack.children();
        stack.process().toHandle().destroy(); // SIGTERM during the pass (Process.destroy would close its output)
        assertTrue(stack.process().waitFor(40, TimeUnit.SECONDS));
        assertEquals(0, stack.process().exitValue(), String.join("\n", stack.lines()));
        Await.until("the stop's last line", Duration.ofSeconds(10), () -> stack.printed("every component stopped"));
        assertFalse(stack.printed("starting it again"), String.join("\n", stack.lines()));
        Await.until(
                "every child gone",
                Duration.ofSeconds(30),
                () -> children.stream().noneMatch(ProcessHandle::isAlive));
        assertFalse(Files.exists(dir.resolve("data/.leases/cleaner")), "the pass gave the lease up");
    }

    /** The running processes of the stack's {@code component} (logger, cleaner, ...). */
    private static List<ProcessHandle> component(Stack stack, String component) {
        return stack.children().stream()
                .filter(h -> String.join(" ", h.info().arguments().orElse(new String[0]))
                        .contains("RegistryCacheMain " + component + " "))
                .toList();
    }

    /** {@code count} blobs of {@code size} random bytes in the datastore, unused and unchanged for an hour. */
    private static List<Path> oldBlobs(Path data, int count, int size) throws IOException {
        StoreLayout layout = new StoreLayout(data);
        java.util.Random random = new java.util.Random(count);
        FileTime hourAgo = FileTime.fromMillis(
                System.currentTimeMillis() - Duration.ofHours(1).toMillis());
        List<Path> blobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            Path blob = layout.blobData(Digest.sha256Of(bytes));
            Files.createDirectories(blob.getParent());
            Files.write(blob, bytes);
            Files.getFileAttributeView(blob, BasicFileAttributeView.class).setTimes(hourAgo, hourAgo, null);
            blobs.add(blob);
        }
        return blobs;
    }

    @Test
    void ctrlCToTheWholeProcessGroupLetsATransferFinishAndRestartsNothing(@TempDir Path dir) throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        Path big = randomFile(dir.resolve("big"), 64, 11);
        String digest = quay.pushBlob("team/big", big);
        Stack stack = start(true, env(dir, "{\"auths\":{\"quay.io\":{}}}", "quay.io=" + quay.baseUrl()));
        Await.until("the ready line", Duration.ofSeconds(30), () -> stack.printed("registry-cache ready"));
        URI blob = URI.create("http://127.0.0.1:" + stack.port() + "/v2/quay.io/team/big/blobs/" + digest);
        HttpResponse<InputStream> transfer = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(blob).build(),
                        HttpResponse.BodyHandlers.ofInputStream()); // cold: streamed by the node through the gateway
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        int n = transfer.body().readNBytes(buf, 0, buf.length);
        sha.update(buf, 0, n);
        List<ProcessHandle> children = stack.children();
        // Ctrl-C in a terminal: SIGINT to every process of the foreground group, children included
        new ProcessBuilder("kill", "-INT", "--", "-" + stack.process().pid())
                .inheritIO()
                .start()
                .waitFor();
        long slowUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while ((n = transfer.body().read(buf)) > 0) {
            sha.update(buf, 0, n);
            if (System.nanoTime() < slowUntil) {
                Thread.sleep(5); // a slow client for the first seconds of the stop
            }
        }
        assertEquals(
                digest,
                "sha256:" + java.util.HexFormat.of().formatHex(sha.digest()),
                "the transfer in flight completed");
        assertTrue(
                stack.process().waitFor(60, TimeUnit.SECONDS),
                () -> "still running 60 s after the signal:\n" + String.join("\n", stack.lines()));
        assertEquals(0, stack.process().exitValue(), String.join("\n", stack.lines()));
        assertFalse(
                stack.printed("starting it again"),
                "nothing restarted during the shutdown: " + String.join("\n", stack.lines()));
        assertTrue(stack.printed("every component stopped"));
        assertTrue(children.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void sighupStopsEveryComponentCleanly(@TempDir Path dir) throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        Stack stack = start(env(dir, "{\"auths\":{\"quay.io\":{}}}", "quay.io=" + quay.baseUrl()));
        Await.until("the ready line", Duration.ofSeconds(30), () -> stack.printed("registry-cache ready"));
        List<ProcessHandle> children = stack.children();
        new ProcessBuilder("kill", "-HUP", Long.toString(stack.process().pid()))
                .inheritIO()
                .start()
                .waitFor();
        assertTrue(
                stack.process().waitFor(60, TimeUnit.SECONDS),
                () -> "still running 60 s after the signal:\n" + String.join("\n", stack.lines()));
        assertEquals(0, stack.process().exitValue(), String.join("\n", stack.lines()));
        assertTrue(stack.printed("every component stopped"), String.join("\n", stack.lines()));
        assertTrue(children.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void childrenDoNotOutliveASupervisorKilledWithSigkill(@TempDir Path dir) throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        Stack stack = start(env(dir, "{\"auths\":{\"quay.io\":{}}}", "quay.io=" + quay.baseUrl()));
        Await.until("the ready line", Duration.ofSeconds(30), () -> stack.printed("registry-cache ready"));
        List<ProcessHandle> children = stack.children();
        assertFalse(children.isEmpty());
        stack.process().toHandle().destroyForcibly();
        Await.until(
                "the children to exit",
                Duration.ofSeconds(30),
                () -> children.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void refusesBadConfigurationBeforeStartingAnything(@TempDir Path dir) throws Exception {
        String good = "{\"auths\":{\"quay.io\":{}}}";
        Path badPem = Files.writeString(
                dir.resolve("bad.pem"), "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n");
        java.net.ServerSocket busy =
                new java.net.ServerSocket(0); // another process's port, as far as the cache can tell
        closeables.add(busy);
        Object[][] cases = {
            {
                "{\"auths\":{\"quay.io\":{\"auth\":\"bm9jb2xvbg==\"}}}",
                Map.of(),
                "entry 'quay.io': 'auth' is not base64 of user:password"
            },
            {"not json", Map.of(), "not valid JSON"},
            {good, Map.of("UPSTREAM_ENDPOINTS", "quay.io=ftp://x"), "UPSTREAM_ENDPOINTS: entry 'quay.io=ftp://x'"},
            {good, Map.of("CLEANER_MAXSIZE", "ten gigs"), "CLEANER_MAXSIZE"},
            {good, Map.of("CLEANER_RUNEVERY_TIME", "30 minutes"), "CLEANER_RUNEVERY_TIME: '30 minutes'"},
            {good, Map.of("CLEANER_THRESHOLD_PERCENTAGE", "-5"), "CLEANER_THRESHOLD_PERCENTAGE"},
            {good, Map.of("CERTS", badPem.toString()), badPem.toString()},
            {
                good,
                Map.of(
                        "REGISTRY_AUTH",
                        "htpasswd",
                        "REGISTRY_AUTH_HTPASSWD_PATH",
                        dir.resolve("none").toString()),
                "REGISTRY_AUTH_HTPASSWD_PATH"
            },
            {good, Map.of("IGNOREREGISTRYLIST", "quay.io"), "every registry in it is in IGNOREREGISTRYLIST (quay.io)"},
            {"{\"auths\":{}}", Map.of(), "\"auths\" names no registry"},
            {good, Map.of("PORT", "http"), "PORT"},
            {
                good,
                Map.of("PORT", Integer.toString(busy.getLocalPort())),
                "PORT / --port " + busy.getLocalPort() + ": another process already listens on it"
            },
            {good, Map.of("CLEANER_MAXSIZE", "0"), "CLEANER_MAXSIZE: '0' is 0"},
            {good, Map.of("LOG_LEVEL", "LOUD"), "LOG_LEVEL: 'LOUD' is not one of ERROR, WARN, INFO, DEBUG, TRACE"},
            {good, Map.of("WARMUP_SIZE", "lots"), "WARMUP_SIZE: not a size: 'lots'"},
            {
                good,
                Map.of("UPSTREAM_TRUSTED_REALMS", "quay.io=https://auth.example.com"),
                "UPSTREAM_TRUSTED_REALMS: entry 'quay.io=https://auth.example.com': 'https://auth.example.com' is not a host"
            },
            {good, Map.of("CERTS", dir.toString()), "certificate file " + dir + " (CERTS): cannot be read"},
            {
                good,
                Map.of("BIND_ADDRESS", "198.51.100.7"),
                "BIND_ADDRESS / --host '198.51.100.7': 198.51.100.7 is not an address of this machine"
            },
        };
        for (Object[] c : cases) {
            Map<String, String> env = env(dir, (String) c[0], null);
            @SuppressWarnings("unchecked")
            Map<String, String> extra = (Map<String, String>) c[1];
            env.putAll(extra);
            Stack stack = start(env);
            assertTrue(stack.process().waitFor(30, TimeUnit.SECONDS));
            stack.awaitOutputEnd();
            assertNotEquals(0, stack.process().exitValue());
            assertTrue(stack.printed((String) c[2]), "expected '" + c[2] + "' in " + stack.lines());
            assertFalse(stack.printed("[gateway]") || stack.printed("[node"), "nothing may start: " + stack.lines());
        }
        Map<String, String> env = env(dir, good, null);
        env.put("PULL_SECRET", dir.resolve("missing.json").toString());
        Stack missing = start(env);
        assertTrue(missing.process().waitFor(30, TimeUnit.SECONDS));
        missing.awaitOutputEnd();
        assertTrue(
                missing.printed("missing.json (PULL_SECRET): file not found"),
                missing.lines().toString());
    }

    /** Whether the gateway refuses a new request: 503, or no connection at all. */
    private static boolean refusesNewRequests(Stack stack) {
        try {
            return HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.port() + "/v2/"))
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 503;
        } catch (IOException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A file of {@code mib} MiB of random bytes from {@code seed}. */
    private static Path randomFile(Path file, int mib, long seed) throws Exception {
        byte[] chunk = new byte[1 << 20];
        new java.util.Random(seed).nextBytes(chunk);
        try (var out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                chunk[0] = (byte) i;
                out.write(chunk);
            }
        }
        return file;
    }
}
