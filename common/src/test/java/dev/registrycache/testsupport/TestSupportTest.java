package dev.registrycache.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

/**
 * Proves the test support against the real peers: what the builder makes, docker-registry
 * stores byte for byte, skopeo and podman can pull, and the auth modes behave like public
 * registries.
 */
class TestSupportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestCredentials ALICE = TestCredentials.of("alice", "s3cret-Passw0rd");
    private static final TestCredentials WRONG = TestCredentials.of("alice", "wrong");

    @TempDir
    Path temp;

    @Test
    void tinyElfRunsAndPrintsItsText(@TempDir Path dir) throws Exception {
        Path program = Files.write(dir.resolve("hello"), TinyElf.printing("hello, cache\n"));
        program.toFile().setExecutable(true);
        ProcessResult run = Tools.runOrThrow(Duration.ofSeconds(30), List.of(program.toString()));
        assertEquals("hello, cache\n", run.stdoutText());
    }

    @Test
    void aRunnableImageHasTheProgramInItsFirstLayerAndRunsIt() throws Exception {
        Image image = OciImages.image().seed(3).runnable("hi\n").build();
        assertEquals(3, image.layers().size());
        JsonNode config = new ObjectMapper().readTree(image.config().bytes());
        assertEquals("/hello", config.at("/config/Cmd/0").asText());
        assertEquals(
                image.layers().get(0).diffId(), config.at("/rootfs/diff_ids/0").asText());
        byte[] tar;
        try (InputStream in = new GZIPInputStream(
                new java.io.ByteArrayInputStream(image.layers().get(0).blob().bytes()))) {
            tar = in.readAllBytes();
        }
        assertEquals("hello", new String(tar, 0, 5, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals("0000755", new String(tar, 100, 7, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void awaitReturnsOnceTheConditionHoldsAndSaysWhatItSawWhenItNeverDoes() {
        int[] polls = {0};
        Await.until("the third poll", () -> ++polls[0] == 3);
        assertEquals(3, polls[0]);

        AssertionError timedOut = assertThrows(
                AssertionError.class,
                () -> Await.until("what never comes", Duration.ofMillis(100), () -> false, () -> "the output so far"));
        assertTrue(timedOut.getMessage().contains("waiting until what never comes"), timedOut.getMessage());
        assertTrue(timedOut.getMessage().endsWith(":\nthe output so far"), timedOut.getMessage());

        // a condition that cannot come true any more (its process ended) fails the wait at once
        assertThrows(
                IllegalStateException.class,
                () -> Await.until("a dead process's line", () -> {
                    throw new IllegalStateException("the process ended");
                }));
    }

    @Test
    void sameSeedBuildsSameBytesAndOtherSeedOthers() {
        assertEquals(OciImages.ociImage(1).digest(), OciImages.ociImage(1).digest());
        assertNotEquals(OciImages.ociImage(1).digest(), OciImages.ociImage(2).digest());
        assertNotEquals(OciImages.ociImage(1).digest(), OciImages.dockerImage(1).digest());
        assertEquals(OciImages.ociIndex(3).digest(), OciImages.ociIndex(3).digest());
    }

    @Test
    void configNamesLayersByDigestOfTheirUncompressedTar() throws IOException {
        Image image = OciImages.image().seed(5).layers(3).layerSize(10_000).build();
        JsonNode config = JSON.readTree(image.config().bytes());
        assertEquals("amd64", config.get("architecture").asText());
        assertEquals("linux", config.get("os").asText());
        for (int i = 0; i < 3; i++) {
            Layer layer = image.layer(i);
            assertEquals(layer.diffId(), config.at("/rootfs/diff_ids/" + i).asText());
            assertEquals(layer.diffId(), gunzipSha256(layer.blob()));
            assertEquals(layer.digest(), Sha256.of(layer.blob().bytes()));
        }
        JsonNode manifest = JSON.readTree(image.manifestBytes());
        assertEquals(TestMediaTypes.OCI_MANIFEST, manifest.get("mediaType").asText());
        assertEquals(image.config().digest(), manifest.at("/config/digest").asText());
        assertEquals(
                TestMediaTypes.OCI_LAYER_GZIP,
                manifest.at("/layers/0/mediaType").asText());
    }

    @Test
    void layersAreTarArchivesThatGnuTarLists() throws IOException {
        Tools.require("tar");
        Image image = OciImages.image().seed(6).layerSize(3000).build();
        Path file = temp.resolve("layer.tar.gz");
        image.layer(0).blob().copyTo(file);
        ProcessResult listing = Tools.runOrThrow(Duration.ofSeconds(10), List.of("tar", "-tvzf", file.toString()));
        assertTrue(listing.stdoutText().contains("/data.bin"), listing.output());
        assertTrue(listing.stdoutText().contains(" 3000 "), listing.output());
    }

    @Test
    void largeLayerIsStreamedToAFileNotKeptInMemory() throws IOException {
        long size = 64L << 20;
        Image image = OciImages.image()
                .seed(7)
                .layers(1)
                .layerSize(size)
                .storeIn(temp)
                .build();
        Blob blob = image.layer(0).blob();
        assertFalse(blob.inMemory());
        Path file = blob.file().orElseThrow();
        assertEquals(blob.size(), Files.size(file));
        assertTrue(blob.size() > size, "random bytes do not compress");
        assertEquals(blob.digest(), Sha256.of(file));
        assertEquals(image.layer(0).diffId(), gunzipSha256(blob));
        assertThrows(
                IllegalStateException.class,
                () -> OciImages.image().layerSize(size).build(),
                "no folder for a large layer");

        try (UpstreamRegistry registry = UpstreamRegistry.plain()) {
            registry.push(image, "big/layer", "v1");
            assertEquals(blob.digest(), registry.client().blobSha256("big/layer", blob.digest()));
        }
    }

    @Test
    void toolsRunCapturesOutputPassesExplicitEnvironmentAndKillsOnTimeout() {
        ProcessResult result = Tools.run(
                Duration.ofSeconds(10),
                List.of("sh", "-c", "echo out; echo err >&2; echo \"$REGISTRY_EXPLICIT\"; exit 3"),
                Map.of("REGISTRY_EXPLICIT", "kept"),
                temp);
        assertEquals(3, result.exitCode());
        assertEquals("out\nkept\n", result.stdoutText());
        assertEquals("err\n", result.stderrText());
        assertThrows(IllegalStateException.class, result::orThrow);

        ProcessResult slow = Tools.run(Duration.ofMillis(300), List.of("sleep", "30"));
        assertTrue(slow.timedOut());
        assertTrue(slow.elapsed().toSeconds() < 25, "killed, not waited for: " + slow.elapsed());
    }

    @Test
    void requireFailsForAMissingTool() {
        Throwable thrown = assertThrows(Throwable.class, () -> Tools.require("no-such-tool-for-testsupport"));
        assertEquals(AssertionFailedError.class, thrown.getClass());
        assertTrue(thrown.getMessage().contains("no-such-tool-for-testsupport"));
        assertTrue(Tools.require("sh").isAbsolute());
    }

    @Test
    void ociImageSchema2ImageAndIndexComeBackByteIdenticalFromPlainRegistry() {
        Image oci = OciImages.ociImage(11);
        Image docker = OciImages.dockerImage(12);
        ImageIndex index = OciImages.ociIndex(13);
        ImageIndex list = OciImages.dockerManifestList(14);
        try (UpstreamRegistry registry = UpstreamRegistry.plain()) {
            assertEquals(oci.digest(), registry.push(oci, "test/oci", "v1"));
            registry.push(docker, "test/docker", "v1");
            registry.push(index, "test/index", "v1");
            registry.push(list, "test/list", "v1");
            RegistryClient client = registry.client();

            assertServedAsBuilt(client, "test/oci", "v1", oci);
            assertServedAsBuilt(client, "test/docker", "v1", docker);
            assertServedAsBuilt(client, "test/index", "v1", index);
            assertServedAsBuilt(client, "test/list", "v1", list);
            for (Image child : index.images()) {
                assertServedAsBuilt(client, "test/index", child.digest(), child);
            }
            for (Blob blob : index.blobs()) {
                assertEquals(blob.digest(), client.blobSha256("test/index", blob.digest()));
            }
            // what docker-registry 2.8 does when a client does not ask for OCI
            assertEquals(
                    404,
                    client.getManifest("test/oci", "v1", List.of(TestMediaTypes.DOCKER_MANIFEST))
                            .status());
        }
    }

    @Test
    void htpasswdRegistryServesTheRightUserAndRefusesWrongCredentials() {
        Skopeo skopeo = Skopeo.create();
        Image image = OciImages.ociImage(21);
        try (UpstreamRegistry registry = UpstreamRegistry.withHtpasswd(ALICE)) {
            registry.push(image, "private/app", "v1");
            RegistryClient.Response anonymous = new RegistryClient(registry.baseUrl()).get("/v2/");
            assertEquals(401, anonymous.status());
            assertTrue(anonymous.header("WWW-Authenticate").orElse("").startsWith("Basic realm="));
            assertEquals(
                    401,
                    registry.client()
                            .withCredentials(WRONG)
                            .getManifest("private/app", "v1")
                            .status());

            String ref = "docker://" + registry.hostPort() + "/private/app:v1";
            assertEquals(image.digest(), skopeo.manifestDigest(ref, ALICE));
            ProcessResult refused = skopeo.tryInspectRaw(ref, WRONG);
            assertFalse(refused.succeeded());
            assertTrue(refused.output().contains("401") || refused.output().contains("unauthorized"), refused.output());
        }
    }

    @Test
    void tokenRegistryServesTheRightUserAndRefusesWrongCredentials() {
        Skopeo skopeo = Skopeo.create();
        Image image = OciImages.dockerImage(22);
        try (TokenServer tokens = TokenServer.start(ALICE);
                UpstreamRegistry registry = UpstreamRegistry.withTokenAuth(tokens)) {
            assertEquals(image.digest(), registry.push(image, "private/app", "v1"));
            assertTrue(
                    tokens.requests().stream()
                            .anyMatch(r -> r.account().equals("alice")
                                    && r.granted().size() == 1
                                    && r.granted().get(0).matches("repository:private/app:(pull,push|push,pull)")),
                    tokens.requests().toString());

            RegistryClient.Response challenge = new RegistryClient(registry.baseUrl()).getManifest("private/app", "v1");
            assertEquals(401, challenge.status());
            String wwwAuthenticate = challenge.header("WWW-Authenticate").orElse("");
            assertTrue(wwwAuthenticate.startsWith("Bearer realm=\"" + tokens.realm() + "\""), wwwAuthenticate);
            assertTrue(wwwAuthenticate.contains("scope=\"repository:private/app:pull\""), wwwAuthenticate);

            RegistryClient.Response pulled =
                    new RegistryClient(registry.baseUrl(), ALICE).getManifest("private/app", "v1");
            assertEquals(200, pulled.status());
            assertEquals(image.digest(), pulled.sha256());
            assertEquals(
                    401,
                    new RegistryClient(registry.baseUrl(), WRONG)
                            .getManifest("private/app", "v1")
                            .status());

            String ref = "docker://" + registry.hostPort() + "/private/app:v1";
            int before = tokens.tokenRequests();
            assertEquals(image.digest(), skopeo.manifestDigest(ref, ALICE));
            assertTrue(tokens.tokenRequests() > before);
            assertFalse(skopeo.tryInspectRaw(ref, WRONG).succeeded());
            assertFalse(skopeo.tryInspectRaw(ref, null).succeeded(), "anonymous is refused");
        }
    }

    @Test
    void tokenServerGrantsAnonymousCallersPullOnly() throws IOException {
        try (TokenServer tokens =
                TokenServer.builder().user(ALICE).allowAnonymous(true).start()) {
            RegistryClient client = new RegistryClient("http://unused");
            RegistryClient.Response answer =
                    client.get(tokens.realm() + "?service=" + tokens.service() + "&scope=repository:a/b:pull,push");
            assertEquals(200, answer.status(), answer.toString());
            JsonNode json = JSON.readTree(answer.body());
            assertEquals(json.get("token").asText(), json.get("access_token").asText());
            assertTrue(json.get("expires_in").asInt() > 0);
            String[] jwt = json.get("token").asText().split("\\.");
            assertEquals(3, jwt.length);
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(jwt[0]));
            assertEquals("RS256", header.get("alg").asText());
            assertEquals(1, header.get("x5c").size());
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(jwt[1]));
            assertEquals(tokens.service(), claims.get("aud").asText());
            assertEquals(tokens.issuer(), claims.get("iss").asText());
            assertEquals("a/b", claims.at("/access/0/name").asText());
            assertEquals("[\"pull\"]", claims.at("/access/0/actions").toString());
            assertTrue(Files.readString(tokens.rootCertBundle()).startsWith("-----BEGIN CERTIFICATE-----"));

            RegistryClient noAnswerToChallenges = new RegistryClient("http://unused");
            assertEquals(
                    401,
                    noAnswerToChallenges
                            .get(
                                    tokens.realm() + "?service=" + tokens.service(),
                                    "Authorization",
                                    WRONG.basicAuthorization())
                            .status());
            assertEquals(2, tokens.tokenRequests());
        }
    }

    @Test
    void requestCountCountsABlobGetExactlyOnce() {
        Image image = OciImages.ociImage(31);
        try (UpstreamRegistry registry = UpstreamRegistry.plain()) {
            registry.push(image, "count/me", "v1");
            String layer = image.layer(0).digest();
            assertEquals(0, registry.requestCount("GET", "/v2/count/me/blobs/" + layer));

            assertEquals(200, registry.client().getBlob("count/me", layer).status());

            assertEquals(1, registry.requestCount("GET", "/v2/count/me/blobs/" + layer));
            assertEquals(
                    0,
                    registry.requestCount(
                            "GET", "/v2/count/me/blobs/" + image.layer(1).digest()));
            assertTrue(registry.requestCount("PUT", "/v2/count/me/manifests/v1") == 1);
        }
    }

    @Test
    void skopeoCopyToDirKeepsTheManifestDigest() throws IOException {
        Skopeo skopeo = Skopeo.create();
        Image image = OciImages.dockerImage(41);
        try (UpstreamRegistry registry = UpstreamRegistry.plain()) {
            registry.push(image, "copy/me", "v1");
            Path dir = temp.resolve("copied");
            skopeo.copy("docker://" + registry.hostPort() + "/copy/me:v1", "dir:" + dir, "--preserve-digests");
            assertEquals(image.digest(), Sha256.of(dir.resolve("manifest.json")));
            for (Blob blob : image.blobs()) {
                assertEquals(blob.digest(), Sha256.of(dir.resolve(blob.hex())));
            }
        }
    }

    @Test
    void skopeoPushesOciLayoutsAndDirLayoutsKeepingDigests() {
        Skopeo skopeo = Skopeo.create();
        Image oci = OciImages.ociImage(51);
        ImageIndex index = OciImages.ociIndex(52);
        Image docker = OciImages.dockerImage(53);
        Path layout = temp.resolve("layout");
        oci.writeOciLayout(layout, "single");
        index.writeOciLayout(layout, "multi");
        Path dir = temp.resolve("dir");
        docker.writeDirLayout(dir);
        try (UpstreamRegistry registry = UpstreamRegistry.plain()) {
            String target = "docker://" + registry.hostPort();
            skopeo.copy("oci:" + layout + ":single", target + "/from/oci:v1", "--preserve-digests");
            skopeo.copy("oci:" + layout + ":multi", target + "/from/index:v1", "--all", "--preserve-digests");
            skopeo.copy("dir:" + dir, target + "/from/dir:v1", "--preserve-digests");

            RegistryClient client = registry.client();
            assertServedAsBuilt(client, "from/oci", "v1", oci);
            assertServedAsBuilt(client, "from/index", "v1", index);
            assertServedAsBuilt(client, "from/dir", "v1", docker);
        }
    }

    @Test
    void podmanPullOfArm64FromIndexRecordsTheIndexDigest() {
        ImageIndex index = OciImages.ociIndex(61);
        Podman podman = Podman.create();
        try (podman;
                UpstreamRegistry registry = UpstreamRegistry.plain()) {
            registry.push(index, "multi/arch", "v1");
            String ref = registry.hostPort() + "/multi/arch:v1";
            String imageId = podman.pull(ref, Platform.LINUX_ARM64, null);

            Image arm64 = index.image(Platform.LINUX_ARM64);
            assertEquals(Sha256.hex(arm64.config().digest()), imageId, "image ID is the config digest");
            assertEquals(index.digest(), podman.digest(ref));
            List<String> repoDigests = podman.repoDigests(ref);
            assertTrue(
                    repoDigests.contains(registry.hostPort() + "/multi/arch@" + index.digest()),
                    repoDigests.toString());
            assertTrue(
                    repoDigests.contains(registry.hostPort() + "/multi/arch@" + arm64.digest()),
                    repoDigests.toString());
            assertEquals("arm64", podman.platform(ref).architecture());
            assertTrue(registry.requestCount("GET", "/manifests/" + arm64.digest()) >= 1);
        }
        assertFalse(Files.exists(podman.root()), "close() removes the store");
    }

    @Test
    void podmanPullsWithCredentialsFromTokenRegistryAndIsRefusedWithWrongOnes() {
        Image image = OciImages.ociImage(62);
        try (TokenServer tokens = TokenServer.start(ALICE);
                UpstreamRegistry registry = UpstreamRegistry.withTokenAuth(tokens);
                Podman podman = Podman.create()) {
            registry.push(image, "private/app", "v1");
            String ref = registry.hostPort() + "/private/app:v1";
            assertFalse(podman.tryPull(ref, null, WRONG).succeeded());
            assertFalse(podman.tryPull(ref, null, null).succeeded());
            assertEquals(Sha256.hex(image.config().digest()), podman.pull(ref, ALICE));
            assertEquals(image.digest(), podman.digest(ref));
        }
    }

    @Test
    void stoppedRegistryRefusesConnectionsAndRestartedOneServesTheSameContent() {
        Image image = OciImages.ociImage(71);
        try (UpstreamRegistry registry = UpstreamRegistry.plain()) {
            registry.push(image, "flaky/up", "v1");
            RegistryClient client = registry.client();
            registry.stop();
            assertFalse(registry.isRunning());
            assertThrows(UncheckedIOException.class, () -> client.get("/v2/"));

            registry.start();
            assertServedAsBuilt(client, "flaky/up", "v1", image);
            assertEquals(
                    2, registry.requestCount("PUT", "/manifests/") + registry.requestCount("GET", "/manifests/v1"));
        }
    }

    @Test
    void readOnlyRegistryServesAnExistingStorageAndRefusesPushes() {
        Image image = OciImages.ociImage(81);
        try (UpstreamRegistry writer = UpstreamRegistry.plain()) {
            writer.push(image, "kept/app", "v1");
            writer.stop();
            try (UpstreamRegistry reader = UpstreamRegistry.readOnly(writer.storageRoot())) {
                assertServedAsBuilt(reader.client(), "kept/app", "v1", image);
                assertThrows(
                        IllegalStateException.class, () -> reader.push(OciImages.ociImage(82), "kept/other", "v1"));
            }
            assertTrue(Files.isDirectory(writer.storageRoot().resolve("docker/registry/v2/blobs")));
        }
    }

    @Test
    void proxyRegistryPullsThroughFromItsTokenAuthRemote() {
        Image image = OciImages.ociImage(91);
        try (TokenServer tokens = TokenServer.start(ALICE);
                UpstreamRegistry remote = UpstreamRegistry.withTokenAuth(tokens);
                UpstreamRegistry proxy = UpstreamRegistry.proxyOf(remote.baseUrl(), ALICE)) {
            remote.push(image, "library/app", "v1");
            assertServedAsBuilt(proxy.client(), "library/app", "v1", image);
            String layer = image.layer(0).digest();
            assertEquals(0, remote.requestCount("GET", "/blobs/" + layer));
            assertEquals(layer, proxy.client().blobSha256("library/app", layer));
            // distribution 2.8 fetches a missed blob twice: one stream for the client, one to store
            int fetched = remote.requestCount("GET", "/blobs/" + layer);
            assertTrue(fetched == 1 || fetched == 2, "remote blob GETs: " + fetched);
        }
    }

    private static void assertServedAsBuilt(
            RegistryClient client, String repository, String reference, ImageArtifact artifact) {
        RegistryClient.Response response = client.getManifest(repository, reference, List.of(artifact.mediaType()));
        assertEquals(200, response.status(), response.toString());
        assertEquals(artifact.mediaType(), response.header("Content-Type").orElse(""));
        assertEquals(artifact.digest(), response.sha256());
        assertEquals(artifact.digest(), response.header("Docker-Content-Digest").orElse(""));
        assertArrayEquals(artifact.manifestBytes(), response.body());
    }

    private static String gunzipSha256(Blob blob) throws IOException {
        MessageDigest sha = Sha256.newDigest();
        try (InputStream in = new GZIPInputStream(blob.open(), 1 << 16)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return Sha256.format(sha.digest());
    }
}
