package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.TokenServer;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upstreams that want credentials, as quay.io and Docker Hub do: Basic and bearer tokens. */
@Tag("e2e")
class UpstreamAuthE2ETest {
    private final Skopeo skopeo = Skopeo.create();
    private final Image image =
            OciImages.image().oci().seed(21).layers(3).layerSize(50_000).build();

    @Test
    void pullsFromAnUpstreamWithHtpasswdBasicAuth(@TempDir Path out) throws Exception {
        TestCredentials user = TestCredentials.of("robot", "s3cret");
        try (UpstreamRegistry upstream = UpstreamRegistry.withHtpasswd(user)) {
            upstream.push(image, "team/app", "v1");
            try (NodeFixture node = new NodeFixture("quay.io", upstream.baseUrl(), user)) {
                skopeo.copy(node.dockerRef("team/app", "v1"), "dir:" + out);
                assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("manifest.json"))));
            }
            try (NodeFixture wrong =
                    new NodeFixture("quay.io", upstream.baseUrl(), TestCredentials.of("robot", "wrong"))) {
                var r = wrong.client().get("/v2/quay.io/team/app/manifests/v1");
                assertEquals(401, r.status(), r.text());
                assertTrue(r.text().contains("UNAUTHORIZED"), r.text());
            }
        }
    }

    @Test
    void pullsFromABearerTokenUpstreamReusingTokensPerScope(@TempDir Path out) throws Exception {
        TestCredentials user = TestCredentials.of("robot", "t0ken-pass");
        try (TokenServer tokens =
                        TokenServer.builder().user(user).allowAnonymous(false).start();
                UpstreamRegistry upstream = UpstreamRegistry.withTokenAuth(tokens)) {
            upstream.push(image, "team/app", "v1");
            int before = tokens.tokenRequests();
            try (NodeFixture node = new NodeFixture("docker.io", upstream.baseUrl(), user)) {
                skopeo.copy(node.dockerRef("team/app", "v1"), "dir:" + out.resolve("a"));
                assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("a/manifest.json"))));
                // HEAD + GET manifest, config and three layers: one token for the repository's pull scope
                assertEquals(
                        1, tokens.tokenRequests() - before, tokens.requests().toString());
                assertEquals(
                        "robot",
                        tokens.requests().get(tokens.requests().size() - 1).account());
            }
            try (NodeFixture anonymous = new NodeFixture("docker.io", upstream.baseUrl(), null)) {
                var r = anonymous.client().get("/v2/docker.io/team/app/manifests/v1");
                assertTrue(r.status() == 401 || r.status() == 503, r.toString());
            }
        }
    }

    @Test
    void dockerHubOnePartNamesMeanLibrary(@TempDir Path out) throws Exception {
        try (UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            upstream.push(image, "library/alpine", "3");
            try (NodeFixture node = new NodeFixture("docker.io", upstream.baseUrl(), null)) {
                skopeo.copy(node.dockerRef("alpine", "3"), "dir:" + out);
                assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("manifest.json"))));
                assertTrue(Files.exists(node.dataDir.resolve(
                        "docker/registry/v2/repositories/docker.io/library/alpine/_manifests/tags/3/current/link")));
            }
        }
    }
}
