package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the pull secret goes when the upstream's Bearer challenge names a token realm. The
 * upstream (docker-registry) takes tokens from the test token server at
 * {@code http://127.0.0.1:<port>/token}; a node that knows the upstream as {@code localhost}
 * sees that realm on another host, as if the upstream pointed it at a server of its own.
 */
@Tag("e2e")
class TokenRealmE2ETest {
    private static final TestCredentials USER = TestCredentials.of("robot", "realm-s3cret");

    private final Skopeo skopeo = Skopeo.create();
    private final Image image =
            OciImages.image().oci().seed(33).layers(2).layerSize(20_000).build();

    @Test
    void asksATokenRealmOnAnotherHostAnonymouslyAndWarnsOnce(@TempDir Path out) throws Exception {
        try (TokenServer tokens =
                        TokenServer.builder().user(USER).allowAnonymous(true).start();
                UpstreamRegistry upstream = UpstreamRegistry.withTokenAuth(tokens)) {
            upstream.push(image, "team/app", "v1");
            upstream.push(image, "team/other", "v1");
            int before = tokens.tokenRequests();
            try (NodeProcess node = new NodeProcess("http://localhost:" + upstream.port(), USER, Map.of())) {
                skopeo.copy(node.dockerRef("team/app", "v1"), "dir:" + out.resolve("a"));
                skopeo.copy(node.dockerRef("team/other", "v1"), "dir:" + out.resolve("b"));

                assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("a/manifest.json"))));
                assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("b/manifest.json"))));
                List<TokenServer.TokenRequest> asked = tokens.requests().subList(before, tokens.tokenRequests());
                assertEquals(2, asked.size(), "one token per repository: " + asked);
                assertTrue(asked.stream().noneMatch(TokenServer.TokenRequest::sentAuthorization), asked.toString());

                String output = node.output();
                List<String> warnings = realmWarnings(output, tokens);
                assertEquals(1, warnings.size(), "one WARN for the realm, not one per request:\n" + output);
                assertTrue(warnings.get(0).contains("quay.io"), warnings.get(0));
                assertTrue(warnings.get(0).contains("UPSTREAM_TRUSTED_REALMS"), warnings.get(0));
                assertFalse(output.contains(USER.password()), output);
                assertFalse(output.contains(USER.authField()), output);
            }
        }
    }

    @Test
    void sendsThePullSecretToATokenRealmOnTheUpstreamsOwnHost(@TempDir Path out) throws Exception {
        assertPullSendsThePullSecret(UpstreamRegistry::baseUrl, Map.of(), out);
    }

    @Test
    void sendsThePullSecretToARealmHostTheOperatorTrusts(@TempDir Path out) throws Exception {
        assertPullSendsThePullSecret(
                upstream -> "http://localhost:" + upstream.port(),
                Map.of("UPSTREAM_TRUSTED_REALMS", "docker.io=localhost quay.io=127.0.0.1"),
                out);
    }

    /**
     * Pulls through a node that reaches the upstream at {@code upstreamUrl} with {@code env}, from
     * a token server that refuses anonymous callers: the one token request carries the pull
     * secret, and nothing is withheld.
     */
    private void assertPullSendsThePullSecret(
            Function<UpstreamRegistry, String> upstreamUrl, Map<String, String> env, Path out) throws Exception {
        try (TokenServer tokens =
                        TokenServer.builder().user(USER).allowAnonymous(false).start();
                UpstreamRegistry upstream = UpstreamRegistry.withTokenAuth(tokens)) {
            upstream.push(image, "team/app", "v1");
            int before = tokens.tokenRequests();
            try (NodeProcess node = new NodeProcess(upstreamUrl.apply(upstream), USER, env)) {
                skopeo.copy(node.dockerRef("team/app", "v1"), "dir:" + out);

                assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("manifest.json"))));
                List<TokenServer.TokenRequest> asked = tokens.requests().subList(before, tokens.tokenRequests());
                assertEquals(1, asked.size(), asked.toString());
                assertEquals(USER.username(), asked.get(0).account(), asked.toString());
                assertEquals(List.of(), realmWarnings(node.output(), tokens));
            }
        }
    }

    private static List<String> realmWarnings(String output, TokenServer tokens) {
        return output.lines()
                .filter(l -> l.contains("level=WARN") && l.contains(tokens.realm()))
                .toList();
    }
}
