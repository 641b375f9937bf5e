package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.TokenServer;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream (docker-registry) that will not serve the cache with the pull secret it has: the
 * clients see a 401 or an old tag, so the operator must learn from one WARN line which registry
 * refuses and what to change in which file, however many requests fail.
 */
@Tag("e2e")
class PullSecretRefusedE2ETest {
    private static final TestCredentials USER = TestCredentials.of("robot", "right-s3cret");
    private static final TestCredentials WRONG = TestCredentials.of("robot", "wrong-s3cret");

    private final Image image =
            OciImages.image().oci().seed(41).layers(1).layerSize(10_000).build();

    @Test
    void warnsOnceThatTheUpstreamRefusesThePullSecretsBasicCredentials() throws Exception {
        try (UpstreamRegistry upstream = UpstreamRegistry.withHtpasswd(USER)) {
            upstream.push(image, "team/app", "v1");
            try (NodeProcess node = new NodeProcess(upstream.baseUrl(), WRONG, Map.of())) {
                assertRefusedThrice(node.client());

                String warning = theOneWarning(node);
                assertTrue(warning.contains("refused the credentials"), warning);
                assertTrue(warning.contains(node.pullSecret().toString()), warning);
                assertTrue(warning.contains("HTTP 401"), warning);
                assertTrue(warning.contains("check the entry's auth"), warning);
                assertNoSecretIn(node.output());
            }
        }
    }

    @Test
    void warnsOnceThatTheTokenServerRefusesThePullSecret() throws Exception {
        try (TokenServer tokens =
                        TokenServer.builder().user(USER).allowAnonymous(false).start();
                UpstreamRegistry upstream = UpstreamRegistry.withTokenAuth(tokens)) {
            upstream.push(image, "team/app", "v1");
            try (NodeProcess node = new NodeProcess(upstream.baseUrl(), WRONG, Map.of())) {
                assertRefusedThrice(node.client());

                String warning = theOneWarning(node);
                assertTrue(warning.contains("refused the credentials"), warning);
                assertTrue(warning.contains(tokens.realm()), "names the token server: " + warning);
                assertTrue(warning.contains(node.pullSecret().toString()), warning);
                assertNoSecretIn(node.output());
            }
        }
    }

    @Test
    void warnsThatTheUpstreamWantsCredentialsThePullSecretLacks() throws Exception {
        try (UpstreamRegistry upstream = UpstreamRegistry.withHtpasswd(USER)) {
            upstream.push(image, "team/app", "v1");
            try (NodeProcess node = new NodeProcess(upstream.baseUrl(), null, Map.of())) {
                assertRefusedThrice(node.client());

                String warning = theOneWarning(node);
                assertTrue(warning.contains("wants credentials"), warning);
                assertTrue(warning.contains("add"), warning);
                assertTrue(warning.contains(node.pullSecret().toString()), warning);
            }
        }
    }

    @Test
    void warnsAlsoWhenTheCachedTagIsServedInstead(@TempDir Path data) throws Exception {
        try (UpstreamRegistry upstream = UpstreamRegistry.withHtpasswd(USER)) {
            upstream.push(image, "team/app", "v1");
            try (NodeFixture seeded = new NodeFixture("quay.io", upstream.baseUrl(), USER, data)) {
                RegistryClient.Response r = seeded.client().getManifest("quay.io/team/app", "v1");
                assertEquals(200, r.status(), r.toString());
            }
            try (NodeProcess node = new NodeProcess(upstream.baseUrl(), WRONG, Map.of(), data)) {
                for (int i = 0; i < 3; i++) {
                    RegistryClient.Response r = node.client().getManifest("quay.io/team/app", "v1");
                    assertEquals(200, r.status(), "the cached tag: " + r);
                    assertEquals(image.manifest().digest(), r.sha256());
                }

                String warning = theOneWarning(node);
                assertTrue(warning.contains("refused the credentials"), warning);
                assertTrue(warning.contains(node.pullSecret().toString()), warning);
            }
        }
    }

    private static void assertRefusedThrice(RegistryClient client) {
        for (int i = 0; i < 3; i++) {
            RegistryClient.Response r = client.getManifest("quay.io/team/app", "v1");
            assertEquals(401, r.status(), r.toString());
        }
    }

    /** The node's one WARN about its pull secret, naming the registry; fails if there are none or several. */
    private static String theOneWarning(NodeProcess node) {
        String output = node.output();
        List<String> warnings = output.lines()
                .filter(l -> l.contains("level=WARN") && l.contains("pull secret"))
                .toList();
        assertEquals(1, warnings.size(), "one WARN, not one per request:\n" + output);
        assertTrue(warnings.get(0).contains("upstream quay.io"), warnings.get(0));
        return warnings.get(0);
    }

    private static void assertNoSecretIn(String output) {
        assertFalse(output.contains(WRONG.password()), output);
        assertFalse(output.contains(WRONG.authField()), output);
    }
}
