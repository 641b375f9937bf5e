package dev.registrycache.warm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.client.CommandRun;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.ImageIndex;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Platform;
import dev.registrycache.testsupport.SelfSignedCertificate;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code registry-cache warm} against a whole cache in-process ({@link WarmRig}) in front of
 * Debian's docker-registry: what it warmed is pulled by skopeo with the upstream stopped, a
 * second run moves no blob, an index is warmed for the platform asked only, an image the upstream
 * does not have is named with the reason, and a cache with htpasswd is filled with the password
 * from the environment or standard input, and refuses without.
 */
@Tag("e2e")
class WarmE2ETest {
    private static final String CREDENTIALS_HINT = "the cache asks for credentials: give --username, and the "
            + "password in WARM_PASSWORD or on standard input with --password-stdin";

    @TempDir
    Path dir;

    private final Image hello =
            OciImages.image().oci().seed(31).layers(1).layerSize(150_000).build();
    private final Image alpine =
            OciImages.image().docker().seed(32).layers(2).layerSize(120_000).build();

    @Test
    void warmsWhatTheUpstreamHoldsNamesTheImageItDoesNotAndWhatItWarmedPullsWithTheUpstreamDown() throws Exception {
        try (WarmRig rig = new WarmRig(dir)) {
            rig.upstream.push(hello, "podman/hello", "latest");

            CommandRun run = WarmRig.warm("--cache", rig.cacheUrl(), "quay.io/podman/hello:latest", "nope:1");

            assertEquals(1, run.exit(), run.toString());
            assertTrue(
                    run.out()
                            .contains("warmed quay.io/podman/hello:latest ("
                                    + hello.manifest().digest() + ", 2 blobs: 2 fetched, "),
                    run.toString());
            assertTrue(
                    run.out().contains("failed: docker.io/library/nope:1 (manifest unknown to the upstream)"),
                    run.toString());
            assertTrue(run.out().contains("warmed 1 of 2 images in "), run.toString());
            assertFalse(run.out().contains("Exception"), run.toString());

            rig.upstream.stop();
            Path pulled = dir.resolve("pulled");
            Skopeo.create().copy("docker://" + rig.hostPort() + "/quay.io/podman/hello:latest", "dir:" + pulled);
            assertEquals(hello.manifest().digest(), Sha256.of(Files.readAllBytes(pulled.resolve("manifest.json"))));
            assertTrue(Files.exists(pulled.resolve(hello.layer(0).blob().hex())), "the layer came from the cache");
        }
    }

    @Test
    void aSecondRunFindsEverythingHeldAndFetchesNothing() throws Exception {
        try (WarmRig rig = new WarmRig(dir)) {
            rig.upstream.push(hello, "podman/hello", "latest");
            rig.upstream.push(alpine, "library/alpine", "3.19");
            Path release = Files.writeString(
                    dir.resolve("release.txt"), "# release 42\nquay.io/podman/hello:latest\n\nalpine:3.19\n");

            CommandRun first = WarmRig.warm("--cache", rig.cacheUrl(), "--file", release.toString());
            assertEquals(0, first.exit(), first.toString());
            assertTrue(first.out().contains("warmed 2 of 2 images in "), first.toString());
            int blobRequests =
                    rig.upstream.requestCount("GET", "/blobs/") + rig.upstream.requestCount("HEAD", "/blobs/");
            assertEquals(5, rig.upstream.requestCount("GET", "/blobs/"), "each blob fetched once: " + first);

            CommandRun second =
                    WarmRig.warm(Map.of(), "", true, "--cache", rig.cacheUrl(), "--file", release.toString());

            assertEquals(0, second.exit(), second.toString());
            assertEquals(
                    blobRequests,
                    rig.upstream.requestCount("GET", "/blobs/") + rig.upstream.requestCount("HEAD", "/blobs/"),
                    "no blob asked of the upstream");
            assertTrue(second.out().contains("warmed 2 of 2 images in "), second.toString());
            assertTrue(second.out().contains(": 5 blobs, all already held\n"), second.toString());
            assertTrue(second.out().contains("\r2/2 images, 0 B fetched"), "the terminal's progress line: " + second);
        }
    }

    @Test
    void anIndexIsWarmedForThePlatformAskedOnly() throws Exception {
        ImageIndex multi = OciImages.index()
                .oci()
                .seed(33)
                .platforms(Platform.LINUX_AMD64, Platform.LINUX_ARM64)
                .layers(1)
                .layerSize(80_000)
                .build();
        try (WarmRig rig = new WarmRig(dir)) {
            rig.upstream.push(multi, "team/multi", "v1");

            CommandRun run =
                    WarmRig.warm("--cache", rig.cacheUrl(), "--platform", "linux/arm64", "quay.io/team/multi:v1");

            assertEquals(0, run.exit(), run.toString());
            assertTrue(
                    run.out()
                            .contains("warmed quay.io/team/multi:v1 ("
                                    + multi.manifest().digest() + ", 2 blobs"),
                    run.toString());
            for (var blob : multi.image(Platform.LINUX_ARM64).blobs()) {
                assertEquals(1, rig.upstream.requestCount("GET", "/blobs/" + blob.digest()), "arm64's " + blob);
            }
            for (var blob : multi.image(Platform.LINUX_AMD64).blobs()) {
                assertEquals(0, rig.upstream.requestCount("GET", "/blobs/" + blob.digest()), "amd64's " + blob);
            }

            CommandRun none =
                    WarmRig.warm("--cache", rig.cacheUrl(), "--platform", "linux/s390x", "quay.io/team/multi:v1");
            assertEquals(1, none.exit(), none.toString());
            assertTrue(
                    none.out()
                            .contains("failed: quay.io/team/multi:v1 (the index has no linux/s390x image (it has "
                                    + "linux/amd64, linux/arm64/v8); choose one with --platform)"),
                    none.toString());
        }
    }

    @Test
    void aCacheWithHtpasswdOnThisHostIsFilledWithThePasswordFromTheEnvironmentOrStandardInput() throws Exception {
        Tools.require("htpasswd");
        Path htpasswd = dir.resolve("htpasswd");
        Tools.runOrThrow(Duration.ofSeconds(30), List.of("htpasswd", "-Bbc", htpasswd.toString(), "puller", "s3cret"));
        Path certs = SelfSignedCertificate.writeCertsPem(dir.resolve("certs.pem"), "cache.example.com");
        try (WarmRig rig = new WarmRig(dir)) {
            rig.upstream.push(hello, "podman/hello", "latest");
            var gateway = rig.gatewayWith(
                    certs, Map.of("REGISTRY_AUTH", "htpasswd", "REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString()));
            // the gateway on this host, as the supervisor's settings name it: TLS at 127.0.0.1, whose
            // certificate names cache.example.com only
            Map<String, String> onThisHost = Map.of(
                    "PORT", Integer.toString(gateway.port()), "BIND_ADDRESS", "127.0.0.1", "CERTS", certs.toString());

            CommandRun anonymous = WarmRig.warm(onThisHost, "", false, "quay.io/podman/hello:latest");
            assertEquals(1, anonymous.exit(), anonymous.toString());
            assertTrue(
                    anonymous.out().contains("failed: quay.io/podman/hello:latest (" + CREDENTIALS_HINT + ")"),
                    anonymous.toString());

            CommandRun wrong = WarmRig.warm(
                    with(onThisHost, "WARM_PASSWORD", "not-it"),
                    "",
                    false,
                    "--username",
                    "puller",
                    "quay.io/podman/hello:latest");
            assertEquals(1, wrong.exit(), wrong.toString());
            assertTrue(wrong.out().contains("(the cache refused the credentials of user puller)"), wrong.toString());

            CommandRun fromEnv = WarmRig.warm(
                    with(onThisHost, "WARM_PASSWORD", "s3cret"),
                    "",
                    false,
                    "--username",
                    "puller",
                    "quay.io/podman/hello:latest");
            assertEquals(0, fromEnv.exit(), fromEnv.toString());
            assertTrue(fromEnv.out().contains("warmed 1 of 1 image in "), fromEnv.toString());

            CommandRun fromStdin = WarmRig.warm(
                    Map.of("CERTS", certs.toString()),
                    "s3cret\n",
                    false,
                    "--cache",
                    "https://127.0.0.1:" + gateway.port(),
                    "-u",
                    "puller",
                    "--password-stdin",
                    "quay.io/podman/hello:latest");
            assertEquals(0, fromStdin.exit(), fromStdin.toString());
            assertTrue(fromStdin.out().contains(": 2 blobs, all already held"), fromStdin.toString());

            // without the CERTS file the gateway's certificate is a stranger: the JDK's CAs decide
            CommandRun untrusted = WarmRig.warm(
                    Map.of("CERTS", dir.resolve("absent.pem").toString(), "WARM_PASSWORD", "s3cret"),
                    "",
                    false,
                    "--cache",
                    "https://127.0.0.1:" + gateway.port(),
                    "-u",
                    "puller",
                    "quay.io/podman/hello:latest");
            assertEquals(1, untrusted.exit(), untrusted.toString());
            assertTrue(
                    untrusted
                            .out()
                            .contains("(no TLS connection to the cache at https://127.0.0.1:" + gateway.port()
                                    + ": its certificate is neither the one in the CERTS file nor signed by a CA the "
                                    + "JDK trusts)"),
                    untrusted.toString());

            for (CommandRun run : List.of(anonymous, wrong, fromEnv, fromStdin, untrusted)) {
                assertFalse((run.out() + run.err()).contains("s3cret"), run.toString());
                assertFalse(run.out().contains("Exception"), "reasons in words: " + run);
            }
        }
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> more = new java.util.HashMap<>(env);
        more.put(key, value);
        return more;
    }
}
