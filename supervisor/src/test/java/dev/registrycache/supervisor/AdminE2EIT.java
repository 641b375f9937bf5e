package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.common.store.StoreLayout;
import dev.registrycache.supervisor.WholeStack.Stack;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator managing the whole cache, started as users start it ({@code java -jar}, htpasswd
 * with an admin and a plain user), through the admin API while skopeo pulls: what the cache holds
 * after pulls, a purge that makes the next pull fetch once again, a pin the cleaner keeps while it
 * evicts everything else, quarantines of a layer and of a manifest that hold on a second cache
 * sharing the datastore and against a re-push upstream, their release, and the refusals.
 */
@Tag("e2e")
class AdminE2EIT {
    static final TestCredentials ADMIN = TestCredentials.of("alice", "admin-pass");
    static final TestCredentials PULLER = TestCredentials.of("bob", "pull-pass");

    private final WholeStack.Starter stacks = new WholeStack.Starter();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Map<Image, String> repositories = new java.util.IdentityHashMap<>();

    @TempDir
    Path dir;

    UpstreamRegistry quay;
    Stack stack;
    FileDatastore store;

    @AfterEach
    void cleanUp() throws Exception {
        stacks.close();
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    @Test
    void operatorsListPurgePinAndQuarantineWhilePullsGoOn() throws Exception {
        quay = UpstreamRegistry.plain();
        closeables.add(quay);
        Image a = push(
                OciImages.image().oci().seed(251).layers(2).layerSize(60_000).build(), "team/a");
        Image b = push(
                OciImages.image().oci().seed(252).layers(2).layerSize(60_000).build(), "team/b");
        Image c = push(
                OciImages.image().docker().seed(253).layers(1).layerSize(60_000).build(), "team/c");
        List<Image> fill = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fill.add(push(
                    OciImages.image()
                            .oci()
                            .seed(260 + i)
                            .layers(1)
                            .layerSize(400_000)
                            .build(),
                    "team/fill" + i));
        }
        Map<String, String> env = env(dir.resolve("one"));
        stack = stacks.start(false, env);
        Await.until("the ready line", Duration.ofSeconds(60), () -> stack.printed("registry-cache ready"));
        store = new FileDatastore(Path.of(env.get("DATA_DIR")));

        pull(a);
        listsWhatAPullBrought(a);
        aPlainUserIsRefusedEveryRoute(a);
        aPurgedTagIsFetchedOnceAgain(a);
        pinnedImagesSurviveTheCleaner(a, b, c, fill, env);
        quarantinesHoldEverywhereUntilReleased(b, c, env);
        badInputGetsAClear4xx();
        everyRequestIsInTheAuditTrail();
    }

    private void listsWhatAPullBrought(Image a) throws Exception {
        JsonNode registries = json(call(ADMIN, "GET", "/admin/v1/registries", null), 200);
        assertEquals(
                "quay.io", registries.path("registries").get(0).path("name").asText());
        assertEquals(
                1, registries.path("registries").get(0).path("repositories").asInt());
        JsonNode repository = json(call(ADMIN, "GET", "/admin/v1/repositories/quay.io/team/a", null), 200);
        JsonNode v1 = repository.path("tags").get(0);
        assertEquals("v1", v1.path("tag").asText());
        assertEquals(a.manifest().digest(), v1.path("digest").asText());
        long whole = a.manifest().size()
                + a.blobs().stream().mapToLong(blob -> blob.size()).sum();
        assertEquals(whole, v1.path("storedBytes").asLong(), "manifest, config and layers are all stored");
        assertEquals(0, v1.path("missingBlobs").asInt());
        assertFalse(v1.path("lastUse").isNull());
        CliRun table = admin(ADMIN, "list", "quay.io/team/a");
        assertEquals(0, table.exit(), table.output());
        assertTrue(
                table.output().contains("v1")
                        && table.output().contains(a.manifest().digest()),
                table.output());
        CliRun refused = admin(PULLER, "list");
        assertEquals(1, refused.exit(), refused.output());
        assertTrue(refused.output().contains("403 DENIED"), refused.output());
    }

    private void aPlainUserIsRefusedEveryRoute(Image a) {
        for (String[] route : List.of(
                new String[] {"GET", "/admin/v1/registries"},
                new String[] {"GET", "/admin/v1/repositories"},
                new String[] {"GET", "/admin/v1/repositories/quay.io/team/a"},
                new String[] {"DELETE", "/admin/v1/repositories/quay.io/team/a"},
                new String[] {"DELETE", "/admin/v1/images/quay.io/team/a:v1"},
                new String[] {"GET", "/admin/v1/pins"},
                new String[] {"PUT", "/admin/v1/pins/quay.io/team/a:v1"},
                new String[] {"DELETE", "/admin/v1/pins/quay.io/team/a:v1"},
                new String[] {"GET", "/admin/v1/quarantine"},
                new String[] {"PUT", "/admin/v1/quarantine/" + a.layer(0).digest()},
                new String[] {"DELETE", "/admin/v1/quarantine/" + a.layer(0).digest()})) {
            RegistryClient.Response r = call(PULLER, route[0], route[1], null);
            assertEquals(403, r.status(), route[0] + " " + route[1] + ": " + r.text());
        }
        assertTrue(stored(a.layer(0).digest()), "nothing was changed by the refused requests");
    }

    private void aPurgedTagIsFetchedOnceAgain(Image a) {
        int before = quay.requestCount("GET", "/blobs/" + a.layer(0).digest());
        JsonNode purged = json(call(ADMIN, "DELETE", "/admin/v1/images/quay.io/team/a:v1", null), 200)
                .path("purged");
        assertEquals(1, purged.path("tags").asInt());
        assertEquals(4, purged.path("blobsDeleted").asInt(), "manifest, config and two layers: " + purged);
        assertFalse(stored(a.layer(0).digest()));
        pull(a);
        assertEquals(before + 1, quay.requestCount("GET", "/blobs/" + a.layer(0).digest()), "fetched once again");
        assertTrue(stored(a.layer(0).digest()));
    }

    private void pinnedImagesSurviveTheCleaner(Image a, Image b, Image c, List<Image> fill, Map<String, String> env)
            throws Exception {
        JsonNode pin = json(call(ADMIN, "PUT", "/admin/v1/pins/quay.io/team/a:v1", null), 201);
        assertEquals(a.manifest().digest(), pin.path("digest").asText());
        pull(b);
        pull(c);
        fill.forEach(this::pull);
        makeEveryBlobOld(Path.of(env.get("DATA_DIR")));
        // the max holds image a and little else: the cleaner must evict the fillers, older or not
        Map<String, String> cleanerEnv = new java.util.HashMap<>(env);
        cleanerEnv.put("CLEANER_MAXSIZE", "300K");
        cleanerEnv.put("CLEANER_THRESHOLD_PERCENTAGE", "0");
        Process cleaner = WholeStack.supervisor(List.of(), cleanerEnv, "cleaner", "--once", "--grace", "0s")
                .start();
        String output = new String(cleaner.getInputStream().readAllBytes());
        assertTrue(cleaner.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, cleaner.exitValue(), output);
        assertTrue(stored(a.manifest().digest()), "pinned manifest kept: " + output);
        for (var blob : a.blobs()) {
            assertTrue(stored(blob.digest()), "pinned " + blob + " kept: " + output);
        }
        for (Image f : fill) {
            assertFalse(stored(f.layer(0).digest()), "the fillers were evicted: " + output);
        }
        assertTrue(output.contains("pinned"), "the pass tells about the pins: " + output);
        quay.stop();
        try {
            pull(a); // all of it from the cache
        } finally {
            quay.start();
        }
        assertEquals(
                200,
                call(ADMIN, "DELETE", "/admin/v1/pins/quay.io/team/a:v1", null).status());
    }

    private void quarantinesHoldEverywhereUntilReleased(Image b, Image c, Map<String, String> envOne) throws Exception {
        Map<String, String> envTwo = env(dir.resolve("two"));
        envTwo.put("DATA_DIR", envOne.get("DATA_DIR")); // a second cache on the same datastore
        Stack two = stacks.start(false, envTwo);
        Await.until("the second cache's ready line", Duration.ofSeconds(60), () -> two.printed("registry-cache ready"));
        pull(b);
        pull(c);
        String layer = b.layer(1).digest();
        String manifest = c.manifest().digest();
        JsonNode q = json(call(ADMIN, "PUT", "/admin/v1/quarantine/" + layer, "{\"reason\":\"CVE-2026-1234\"}"), 201);
        assertTrue(q.path("bytesDeleted").asLong() > 0, q.toString());
        CliRun quarantined = admin(ADMIN, "quarantine", manifest, "--reason", "re-pointed tag");
        assertEquals(0, quarantined.exit(), quarantined.output());
        assertFalse(stored(layer));
        assertFalse(stored(manifest));
        int layerFetches = quay.requestCount("GET", "/blobs/" + layer);
        for (Stack cache : List.of(stack, two)) {
            ProcessResult refusedLayer = tryPull(cache, b);
            assertFalse(refusedLayer.succeeded(), refusedLayer.output());
            // skopeo shows a blob's status only; the body, which any client can show, names the quarantine
            assertTrue(refusedLayer.output().contains("403"), refusedLayer.output());
            RegistryClient.Response blob = new RegistryClient("http://127.0.0.1:" + cache.port())
                    .send(
                            "GET",
                            "/v2/quay.io/team/b/blobs/" + layer,
                            HttpRequest.BodyPublishers.noBody(),
                            "Authorization",
                            PULLER.basicAuthorization());
            assertEquals(403, blob.status());
            assertTrue(
                    blob.text().contains("is quarantined by the cache's administrators: CVE-2026-1234"), blob.text());
            ProcessResult refusedManifest = tryPull(cache, c);
            assertFalse(refusedManifest.succeeded(), refusedManifest.output());
            assertTrue(refusedManifest.output().contains("quarantined"), refusedManifest.output());
        }
        push(c, "team/c"); // pushed again upstream under the same tag
        assertFalse(tryPull(two, c).succeeded());
        assertFalse(stored(manifest), "never fetched again");
        assertEquals(layerFetches, quay.requestCount("GET", "/blobs/" + layer), "never fetched again");

        assertEquals(
                200,
                call(ADMIN, "DELETE", "/admin/v1/quarantine/" + layer, null).status());
        CliRun listed = admin(ADMIN, "quarantined", "--json");
        assertEquals(0, listed.exit(), listed.output());
        assertTrue(listed.output().contains(manifest) && listed.output().contains("re-pointed tag"), listed.output());
        CliRun released = admin(ADMIN, "release", manifest);
        assertEquals(0, released.exit(), released.output());
        pull(stack, b);
        pull(two, c);
        assertEquals(layerFetches + 1, quay.requestCount("GET", "/blobs/" + layer), "released: fetched once");
    }

    private void badInputGetsAClear4xx() {
        assertEquals(
                404,
                call(ADMIN, "DELETE", "/admin/v1/quarantine/sha256:" + "0".repeat(64), null)
                        .status());
        assertEquals(
                404,
                call(ADMIN, "PUT", "/admin/v1/pins/quay.io/team/a:never", null).status());
        assertEquals(
                400,
                call(ADMIN, "PUT", "/admin/v1/pins/quay.io/Team/a:v1", null).status());
        assertEquals(
                400,
                call(ADMIN, "PUT", "/admin/v1/quarantine/sha256:nothex", null).status());
        assertEquals(
                405,
                call(ADMIN, "POST", "/admin/v1/pins/quay.io/team/a:v1", null).status());
        String huge = "{\"reason\":\"" + "x".repeat(200_000) + "\"}";
        assertEquals(
                413,
                call(ADMIN, "PUT", "/admin/v1/quarantine/sha256:" + "1".repeat(64), huge)
                        .status());
        assertEquals(
                0,
                json(call(ADMIN, "GET", "/admin/v1/quarantine", null), 200)
                        .path("quarantine")
                        .size());
    }

    private void everyRequestIsInTheAuditTrail() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("one/logs/admin-audit.log"))) {
            lines.add(Json.MAPPER.readTree(line));
        }
        assertTrue(lines.stream()
                .anyMatch(l -> l.path("user").asText().equals("bob")
                        && l.path("result").asText().equals("refused")));
        assertTrue(lines.stream()
                .anyMatch(l -> l.path("user").asText().equals("alice")
                        && l.path("action").asText().equals("quarantine")
                        && l.path("status").asInt() == 201));
        assertTrue(lines.stream()
                .anyMatch(l -> l.path("action").asText().equals("purge")
                        && l.path("result").asText().equals("ok")));
        String metrics = call(ADMIN, "GET", "/metrics", null).text();
        assertTrue(metrics.contains("registry_cache_admin_actions_total{action=\"purge\",result=\"ok\"} 1"), metrics);
        assertTrue(metrics.contains("registry_cache_admin_actions_total{action=\"pin\",result=\"refused\"} 1"));
    }

    // ---- helpers

    private Map<String, String> env(Path home) throws Exception {
        Files.createDirectories(home);
        Map<String, String> env = WholeStack.env(home, "{\"auths\":{\"quay.io\":{}}}", "quay.io=" + quay.baseUrl());
        Path htpasswd = dir.resolve("htpasswd");
        if (!Files.exists(htpasswd)) {
            TestCredentials.writeHtpasswd(htpasswd, ADMIN, PULLER);
        }
        env.put("REGISTRY_AUTH", "htpasswd");
        env.put("REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString());
        env.put("ADMIN_USERS", ADMIN.username());
        env.put("CLEANER_RUNEVERY_TIME", "off"); // the test runs the cleaner itself
        env.put("COMPLETE_IMAGES", "false"); // skopeo pulls whole images; nothing to fetch behind its back
        return env;
    }

    private Image push(Image image, String repository) {
        quay.push(image, repository, "v1");
        repositories.put(image, repository);
        return image;
    }

    private String repositoryOf(Image image) {
        String repository = repositories.get(image);
        if (repository == null) {
            throw new AssertionError("not pushed: " + image);
        }
        return repository;
    }

    private void pull(Image image) {
        pull(stack, image);
    }

    private void pull(Stack cache, Image image) {
        ProcessResult result = tryPull(cache, image);
        assertTrue(result.succeeded(), result.output());
    }

    private ProcessResult tryPull(Stack cache, Image image) {
        return Skopeo.create()
                .tryCopy(
                        "docker://127.0.0.1:" + cache.port() + "/quay.io/" + repositoryOf(image) + ":v1",
                        PULLER,
                        "dir:" + dir.resolve("pulled-" + System.nanoTime()),
                        null);
    }

    /** {@code registry-cache admin args} as an operator runs it, with the password in ADMIN_PASSWORD. */
    private CliRun admin(TestCredentials who, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("admin"));
        all.addAll(List.of(args));
        all.addAll(List.of("--cache", "http://127.0.0.1:" + stack.port(), "-u", who.username()));
        Process p = WholeStack.supervisor(
                        List.of(), Map.of("ADMIN_PASSWORD", who.password()), all.toArray(String[]::new))
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new CliRun(p.exitValue(), output);
    }

    record CliRun(int exit, String output) {}

    private RegistryClient.Response call(TestCredentials who, String method, String path, String body) {
        return new RegistryClient("http://127.0.0.1:" + stack.port())
                .send(
                        method,
                        path,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body),
                        "Authorization",
                        who.basicAuthorization());
    }

    private static JsonNode json(RegistryClient.Response r, int status) {
        assertEquals(status, r.status(), r.text());
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(r.text(), e);
        }
    }

    private boolean stored(String digest) {
        return store.blobSize(Digest.parse(digest)) >= 0;
    }

    /** Sets every blob's times an hour back, without reading one (a read would move its access time again). */
    private static void makeEveryBlobOld(Path data) throws IOException {
        FileTime hourAgo = FileTime.fromMillis(
                System.currentTimeMillis() - Duration.ofHours(1).toMillis());
        try (Stream<Path> files = Files.walk(new StoreLayout(data).blobsRoot())) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals(StoreLayout.DATA))
                    .toList()) {
                Files.getFileAttributeView(f, BasicFileAttributeView.class).setTimes(hourAgo, hourAgo, null);
            }
        }
    }
}
