package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestCredentials;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API on a gateway over a datastore the test fills itself: who may call it, what each
 * route answers and does to the store, the refusals of bad input, and the audit trail. The whole
 * stack's behaviour (pulls after a purge, a quarantine on replicas) is AdminE2EIT's.
 */
class AdminApiTest {
    static final TestCredentials ADMIN = TestCredentials.of("alice", "admin-pass");
    static final TestCredentials PULLER = TestCredentials.of("bob", "pull-pass");
    static final RepositoryName APP = RepositoryName.parse("quay.io/team/app");
    static final RepositoryName TOOL = RepositoryName.parse("quay.io/team/tool");

    @TempDir
    Path dir;

    FileDatastore store;
    GatewayServer gateway;
    Caller admin;
    Caller puller;
    Digest config;
    Digest shared;
    Digest own;
    Digest manifest;
    Digest toolManifest;

    @BeforeEach
    void start() throws Exception {
        store = new FileDatastore(dir.resolve("data"));
        config = blob("config");
        shared = blob("shared layer");
        own = blob("own layer of app");
        manifest = blob(image(config, shared, own));
        toolManifest = blob(image(config, shared));
        link(APP, manifest, "v1", config, shared, own);
        link(TOOL, toolManifest, "latest", config, shared);
        gateway = startGateway(Map.of("ADMIN_USERS", "alice"));
        admin = client(ADMIN);
        puller = client(PULLER);
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    // ---- who may call it

    @Test
    void onlyAdminUsersMayCallItOthersGet401Or403() {
        RegistryClient anonymous = new RegistryClient(base());
        RegistryClient.Response none = anonymous.get("/admin/v1/registries");
        assertEquals(401, none.status());
        assertTrue(none.header("WWW-Authenticate").orElse("").startsWith("Basic realm="));
        for (String[] route : List.of(
                new String[] {"GET", "/admin/v1/registries"},
                new String[] {"GET", "/admin/v1/repositories/quay.io/team/app"},
                new String[] {"DELETE", "/admin/v1/images/quay.io/team/app:v1"},
                new String[] {"DELETE", "/admin/v1/repositories/quay.io/team/app"},
                new String[] {"PUT", "/admin/v1/pins/quay.io/team/app:v1"},
                new String[] {"DELETE", "/admin/v1/pins/quay.io/team/app:v1"},
                new String[] {"GET", "/admin/v1/pins"},
                new String[] {"PUT", "/admin/v1/quarantine/" + own},
                new String[] {"DELETE", "/admin/v1/quarantine/" + own},
                new String[] {"GET", "/admin/v1/quarantine"})) {
            RegistryClient.Response r = send(puller, route[0], route[1], null);
            assertEquals(403, r.status(), route[0] + " " + route[1]);
            assertTrue(r.text().contains("DENIED") && r.text().contains("bob is not an admin"), r.text());
        }
        assertTrue(store.blobSize(own) > 0, "nothing changed");
        assertEquals(manifest, store.tagTarget(APP, Tag.parse("v1")), "nothing changed");
        assertEquals(
                List.of(), json(admin.get("/admin/v1/pins"), 200).path("pins").findValues("digest"));
    }

    @Test
    void withoutAdminUsersTheApiIsOffAndWithoutHtpasswdTheSettingIsRefused() throws Exception {
        gateway.close();
        gateway = startGateway(Map.of());
        RegistryClient.Response off = client(ADMIN).get("/admin/v1/registries");
        assertEquals(404, off.status());
        assertTrue(off.text().contains("the admin API is off"), off.text());
        ConfigException refused = org.junit.jupiter.api.Assertions.assertThrows(
                ConfigException.class,
                () -> LoopbackGateways.inFrontOf(
                        "quay.io", 1, dir.resolve("none.pem"), dir, dir, Map.of("ADMIN_USERS", "alice")));
        assertTrue(refused.getMessage().contains("ADMIN_USERS needs REGISTRY_AUTH=htpasswd"), refused.getMessage());
    }

    // ---- listing

    @Test
    void listsRegistriesRepositoriesAndTagsWithTheirBytes() {
        JsonNode registries = json(admin.get("/admin/v1/registries"), 200);
        JsonNode quay = registries.path("registries").get(0);
        assertEquals("quay.io", quay.path("name").asText());
        assertEquals(2, quay.path("repositories").asInt());
        long all = size(config) + size(shared) + size(own) + size(manifest) + size(toolManifest);
        assertEquals(all, quay.path("bytes").asLong());

        JsonNode repositories = json(admin.get("/admin/v1/repositories?registry=quay.io"), 200);
        assertEquals(
                List.of("quay.io/team/app", "quay.io/team/tool"), names(repositories.path("repositories"), "name"));
        assertEquals(
                0,
                json(admin.get("/admin/v1/repositories?registry=docker.io"), 200)
                        .path("repositories")
                        .size());

        JsonNode app = json(admin.get("/admin/v1/repositories/quay.io/team/app"), 200);
        JsonNode v1 = app.path("tags").get(0);
        assertEquals("v1", v1.path("tag").asText());
        assertEquals(manifest.toString(), v1.path("digest").asText());
        assertEquals(
                size(manifest) + 100 + 2000, v1.path("size").asLong(), "declared: the manifest and its descriptors");
        assertEquals(
                size(manifest) + size(config) + size(shared) + size(own),
                v1.path("storedBytes").asLong());
        assertFalse(v1.path("pinned").asBoolean());
        assertFalse(v1.path("lastUse").isNull());
        assertEquals(404, admin.get("/admin/v1/repositories/quay.io/team/none").status());
        assertEquals(
                404,
                admin.get("/admin/v1/repositories/registry.local:5000/team/app").status(),
                "a port is a name");
    }

    // ---- purge

    @Test
    void purgingATagDeletesTheBlobsNothingElseLinksAndKeepsSharedOnes() {
        long freed = size(manifest) + size(own);
        JsonNode purged = json(send(admin, "DELETE", "/admin/v1/images/quay.io/team/app:v1", null), 200)
                .path("purged");
        assertEquals(1, purged.path("tags").asInt());
        assertEquals(1, purged.path("manifests").asInt());
        assertEquals(3, purged.path("layerLinks").asInt());
        assertEquals(2, purged.path("blobsDeleted").asInt(), "the manifest and the layer only app used");
        assertEquals(freed, purged.path("bytesFreed").asLong());
        assertEquals(-1, store.blobSize(manifest));
        assertEquals(-1, store.blobSize(own));
        assertTrue(store.blobSize(shared) > 0 && store.blobSize(config) > 0, "tool still links them");
        assertEquals(
                List.of(), store.repositories().stream().filter(APP::equals).toList());
        assertEquals(
                404,
                send(admin, "DELETE", "/admin/v1/images/quay.io/team/app:v1", null)
                        .status());
    }

    @Test
    void purgingATagAnotherTagSharesKeepsTheImage() throws IOException {
        store.tag(APP, Tag.parse("stable"), manifest);
        JsonNode purged = json(send(admin, "DELETE", "/admin/v1/images/quay.io/team/app:v1", null), 200)
                .path("purged");
        assertEquals(1, purged.path("tags").asInt());
        assertEquals(0, purged.path("blobsDeleted").asInt());
        assertEquals(manifest, store.tagTarget(APP, Tag.parse("stable")));
        assertTrue(store.blobSize(own) > 0);
    }

    @Test
    void purgingAManifestByDigestRemovesTheTagsThatPointAtIt() throws IOException {
        store.tag(APP, Tag.parse("stable"), manifest);
        JsonNode purged = json(send(admin, "DELETE", "/admin/v1/images/quay.io/team/app@" + manifest, null), 200)
                .path("purged");
        assertEquals(2, purged.path("tags").asInt());
        assertEquals(2, purged.path("blobsDeleted").asInt());
        assertEquals(List.of(), store.tags(APP));
    }

    @Test
    void purgingARepositoryRemovesItAllAndOnlyWhatOthersDoNotLink() {
        JsonNode purged = json(send(admin, "DELETE", "/admin/v1/repositories/quay.io/team/tool", null), 200)
                .path("purged");
        assertEquals(1, purged.path("tags").asInt());
        assertEquals(1, purged.path("blobsDeleted").asInt(), "tool's manifest; its layers are app's too");
        assertEquals(List.of(APP), store.repositories());
        assertTrue(store.blobSize(shared) > 0);
    }

    @Test
    void anIndexIsPurgedWithItsChildrenUnlessAnotherTagUsesThem() throws IOException {
        Digest index = blob(index(manifest));
        link(APP, index, "multi");
        store.linkManifest(APP, manifest);
        // v1 points at the child itself: purging the index keeps the child
        JsonNode kept = json(send(admin, "DELETE", "/admin/v1/images/quay.io/team/app:multi", null), 200)
                .path("purged");
        assertEquals(1, kept.path("blobsDeleted").asInt(), "the index alone");
        assertTrue(store.blobSize(manifest) > 0);
        Digest again = blob(index(manifest));
        link(APP, again, "multi");
        store.untag(APP, Tag.parse("v1"));
        JsonNode all = json(send(admin, "DELETE", "/admin/v1/images/quay.io/team/app:multi", null), 200)
                .path("purged");
        assertEquals(3, all.path("blobsDeleted").asInt(), "index, child, own layer");
        assertEquals(-1, store.blobSize(manifest));
    }

    // ---- pins

    @Test
    void pinsAreListedShownOnTagsAndRefusePurgesUntilUnpinned() {
        JsonNode pin = json(send(admin, "PUT", "/admin/v1/pins/quay.io/team/app:v1", null), 201);
        assertEquals(manifest.toString(), pin.path("digest").asText());
        assertEquals("v1", pin.path("reference").asText());
        assertEquals("alice", pin.path("by").asText());
        assertEquals(4, pin.path("blobs").asInt());
        assertEquals(0, pin.path("missingBlobs").asInt());
        assertEquals(
                200,
                send(admin, "PUT", "/admin/v1/pins/quay.io/team/app@" + manifest, null)
                        .status());
        assertEquals(1, json(admin.get("/admin/v1/pins"), 200).path("pins").size());
        assertTrue(json(admin.get("/admin/v1/repositories/quay.io/team/app"), 200)
                .path("tags")
                .get(0)
                .path("pinned")
                .asBoolean());
        RegistryClient.Response refused = send(admin, "DELETE", "/admin/v1/images/quay.io/team/app:v1", null);
        assertEquals(409, refused.status());
        assertTrue(refused.text().contains("is pinned"), refused.text());
        assertEquals(
                409,
                send(admin, "DELETE", "/admin/v1/repositories/quay.io/team/app", null)
                        .status());
        assertEquals(
                200,
                send(admin, "DELETE", "/admin/v1/pins/quay.io/team/app:v1", null)
                        .status());
        assertEquals(
                404,
                send(admin, "DELETE", "/admin/v1/pins/quay.io/team/app:v1", null)
                        .status());
        assertEquals(
                200,
                send(admin, "DELETE", "/admin/v1/images/quay.io/team/app:v1", null)
                        .status());
    }

    @Test
    void anImageNotInTheCacheCannotBePinned() {
        RegistryClient.Response r = send(admin, "PUT", "/admin/v1/pins/quay.io/team/app:v2", null);
        assertEquals(404, r.status());
        assertTrue(r.text().contains("not in the cache") && r.text().contains("registry-cache warm"), r.text());
    }

    // ---- quarantine

    @Test
    void quarantiningDeletesTheStoredBytesAndIsListedUntilReleased() {
        JsonNode q = json(send(admin, "PUT", "/admin/v1/quarantine/" + own, "{\"reason\":\"CVE-2026-0001\"}"), 201);
        assertEquals(own.toString(), q.path("digest").asText());
        assertEquals("CVE-2026-0001", q.path("reason").asText());
        assertEquals("alice", q.path("by").asText());
        assertEquals("own layer of app".length(), q.path("bytesDeleted").asLong());
        assertEquals(-1, store.blobSize(own));
        assertEquals(
                200, send(admin, "PUT", "/admin/v1/quarantine/" + own, null).status(), "already");
        assertEquals(
                own.toString(),
                json(admin.get("/admin/v1/quarantine"), 200)
                        .path("quarantine")
                        .get(0)
                        .path("digest")
                        .asText());
        RegistryClient.Response pin = send(admin, "PUT", "/admin/v1/pins/quay.io/team/app@" + own, null);
        assertEquals(404, pin.status(), "a layer is not an image");
        assertEquals(
                200, send(admin, "DELETE", "/admin/v1/quarantine/" + own, null).status());
        assertEquals(
                404, send(admin, "DELETE", "/admin/v1/quarantine/" + own, null).status());
        assertEquals(
                0,
                json(admin.get("/admin/v1/quarantine"), 200).path("quarantine").size());
    }

    // ---- bad input

    @Test
    void badInputGetsAClear4xx() {
        String longReason = "{\"reason\":\"" + "x".repeat(2000) + "\"}";
        Object[][] cases = {
            {"GET", "/admin/v1/nothing", null, 404, "not a route"},
            {"GET", "/admin/v2/registries", null, 404, "not a route"},
            {"POST", "/admin/v1/pins/quay.io/team/app:v1", null, 405, "not an operation"},
            {"DELETE", "/admin/v1/pins", null, 405, "not an operation"},
            {"PUT", "/admin/v1/pins/quay.io/team/App:v1", null, 400, "NAME_INVALID"},
            {"PUT", "/admin/v1/pins/team:v1", null, 400, "name the registry first"},
            {"PUT", "/admin/v1/pins/quay.io/team/app", null, 400, "with a tag"},
            {"PUT", "/admin/v1/pins/quay.io/team/app@sha256:abc", null, 400, "DIGEST_INVALID"},
            {"DELETE", "/admin/v1/images/quay.io/team/app@sha256:" + "0".repeat(64), null, 404, "not in the cache"},
            {"PUT", "/admin/v1/quarantine/sha256:xyz", null, 400, "DIGEST_INVALID"},
            {"DELETE", "/admin/v1/quarantine/sha256:" + "1".repeat(64), null, 404, "not quarantined"},
            {"PUT", "/admin/v1/quarantine/" + own, "[1,2]", 400, "not a JSON object"},
            {"PUT", "/admin/v1/quarantine/" + own, "{not json", 400, "not a JSON object"},
            {"PUT", "/admin/v1/quarantine/" + own, longReason, 400, "at most 1000"},
            {"PUT", "/admin/v1/quarantine/" + own, "{\"reason\":\"" + "y".repeat(70_000) + "\"}", 413, "larger than"},
        };
        for (Object[] c : cases) {
            RegistryClient.Response r = send(admin, (String) c[0], (String) c[1], (String) c[2]);
            String what = c[0] + " " + c[1] + ": " + r.text();
            assertEquals((int) c[3], r.status(), what);
            assertTrue(r.text().contains((String) c[4]), what);
            assertTrue(r.text().startsWith("{\"errors\":["), what);
        }
        String huge = "{\"reason\":\"" + "z".repeat(300_000) + "\"}";
        for (int i = 0; i < 20; i++) { // the client is still sending when the answer is ready: it must get it
            assertEquals(
                    413, send(admin, "PUT", "/admin/v1/quarantine/" + own, huge).status());
        }
        assertTrue(store.blobSize(own) > 0, "no bad request quarantined anything");
    }

    // ---- audit trail

    @Test
    void everyRequestIsInTheAuditTrailAndCountedInMetrics() throws IOException {
        send(admin, "PUT", "/admin/v1/quarantine/" + own, "{\"reason\":\"bad\"}");
        send(puller, "DELETE", "/admin/v1/quarantine/" + own, null);
        admin.get("/admin/v1/pins");
        new RegistryClient(base()).get("/admin/v1/pins");
        new RegistryClient(base(), ADMIN).get("/admin/v1/pins"); // a challenge first, then the credentials
        List<String> lines = Files.readAllLines(new LogDirLayout(dir.resolve("logs")).adminAuditLog());
        assertEquals(6, lines.size(), String.join("\n", lines));
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertEquals("alice", first.path("user").asText());
        assertEquals("quarantine", first.path("action").asText());
        assertEquals(201, first.path("status").asInt());
        assertEquals("ok", first.path("result").asText());
        assertTrue(first.path("detail").asText().contains(own.toString()));
        assertTrue(first.path("client").asText().startsWith("127.0.0.1"));
        JsonNode second = Json.MAPPER.readTree(lines.get(1));
        assertEquals("bob", second.path("user").asText());
        assertEquals("release", second.path("action").asText());
        assertEquals("refused", second.path("result").asText());
        assertEquals("-", Json.MAPPER.readTree(lines.get(3)).path("user").asText());
        assertEquals(401, Json.MAPPER.readTree(lines.get(4)).path("status").asInt());
        assertEquals("alice", Json.MAPPER.readTree(lines.get(5)).path("user").asText());
        String metrics = admin.get("/metrics").text();
        assertTrue(
                metrics.contains("registry_cache_admin_actions_total{action=\"quarantine\",result=\"ok\"} 1"), metrics);
        assertTrue(metrics.contains("registry_cache_admin_actions_total{action=\"release\",result=\"refused\"} 1"));
        assertTrue(metrics.contains("registry_cache_admin_actions_total{action=\"list\",result=\"refused\"} 2"));
        assertTrue(metrics.contains("registry_cache_admin_actions_total{action=\"list\",result=\"ok\"} 2"));
        List<String> access =
                GatewayAccessLogTest.lines(new LogDirLayout(dir.resolve("logs")).gatewayAccessLog()).stream()
                        .map(l -> l.path("path").asText())
                        .filter(p -> p.startsWith("/admin"))
                        .toList();
        assertEquals(List.of(), access, "admin requests are in their own trail, not the access log");
    }

    // ---- helpers

    private GatewayServer startGateway(Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(htpasswd());
        env.putAll(extra);
        return new GatewayServer(LoopbackGateways.inFrontOf(
                        "quay.io",
                        FreePort.pick(),
                        dir.resolve("none.pem"),
                        dir.resolve("data"),
                        dir.resolve("logs"),
                        env))
                .start();
    }

    private Map<String, String> htpasswd() throws IOException {
        Path file = dir.resolve("htpasswd");
        if (!Files.exists(file)) {
            TestCredentials.writeHtpasswd(file, ADMIN, PULLER);
        }
        return Map.of("REGISTRY_AUTH", "htpasswd", "REGISTRY_AUTH_HTPASSWD_PATH", file.toString());
    }

    private String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    /** A client that sends the credentials with every request, as the CLI and curl -u do (no challenge first). */
    private Caller client(TestCredentials credentials) {
        return new Caller(new RegistryClient(base()), credentials);
    }

    record Caller(RegistryClient client, TestCredentials credentials) {
        RegistryClient.Response get(String path) {
            return send(this, "GET", path, null);
        }
    }

    private static RegistryClient.Response send(Caller caller, String method, String path, String body) {
        return caller.client()
                .send(
                        method,
                        path,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body),
                        "Authorization",
                        caller.credentials().basicAuthorization());
    }

    private static JsonNode json(RegistryClient.Response r, int status) {
        assertEquals(status, r.status(), r.text());
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(r.text(), e);
        }
    }

    private static List<String> names(JsonNode array, String field) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }

    private Digest blob(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256Of(bytes);
        store.putBlob(APP, d, bytes);
        return d;
    }

    private void link(RepositoryName repository, Digest root, String tag, Digest... layers) throws IOException {
        store.linkManifest(repository, root);
        store.tag(repository, Tag.parse(tag), root);
        for (Digest layer : layers) {
            store.linkLayer(repository, layer);
        }
    }

    private long size(Digest d) {
        return store.blobSize(d);
    }

    static String image(Digest config, Digest... layers) {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config
                + "\",\"size\":100},\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\"," + "\"digest\":\"")
                    .append(layers[i])
                    .append("\",\"size\":1000}");
        }
        return json.append("]}").toString();
    }

    static String index(Digest... manifests) {
        StringBuilder json = new StringBuilder(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
        for (int i = 0; i < manifests.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," + "\"digest\":\"")
                    .append(manifests[i])
                    .append("\",\"size\":500,\"platform\":{\"os\":\"linux\"," + "\"architecture\":\"amd64\"}}");
        }
        return json.append("]}").toString();
    }
}
