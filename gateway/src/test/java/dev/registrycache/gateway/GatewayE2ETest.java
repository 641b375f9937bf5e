package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.Podman;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.SelfSignedCertificate;
import dev.registrycache.testsupport.Sha256;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo and podman through the gateway to a node in front of Debian's docker-registry: over
 * plain HTTP and over TLS with the test's own CA, with and without htpasswd.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayE2ETest {
    private static final TestCredentials USER = TestCredentials.of("puller", "pull-pass");
    private Path work;
    private UpstreamRegistry upstream;
    private RegistryNode node;
    private TestPki pki;
    private Path caDir;
    private Path htpasswd;
    private final Skopeo skopeo = Skopeo.create();
    private final Image image =
            OciImages.image().oci().seed(41).layers(2).layerSize(100_000).build();

    @BeforeAll
    void start() throws Exception {
        Tools.require("htpasswd");
        work = Files.createTempDirectory("gateway-e2e-");
        upstream = UpstreamRegistry.plain();
        upstream.push(image, "team/app", "v1");
        node = LoopbackNodes.start("quay.io", upstream.baseUrl(), work.resolve("data"), work.resolve("logs"));
        pki = new TestPki();
        caDir = pki.writeCaDir(work);
        htpasswd = work.resolve("htpasswd");
        Tools.runOrThrow(
                Duration.ofSeconds(30),
                List.of("htpasswd", "-Bbc", htpasswd.toString(), USER.username(), USER.password()));
    }

    @AfterAll
    void stop() throws Exception {
        try (UpstreamRegistry u = upstream;
                RegistryNode n = node) {
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    private GatewayServer gateway(boolean tls, boolean auth, TestPki.KeyFormat format) throws Exception {
        Map<String, String> env = new HashMap<>();
        if (auth) {
            env.put("REGISTRY_AUTH", "htpasswd");
            env.put("REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString());
            env.put("REGISTRY_AUTH_HTPASSWD_REALM", "Test Realm");
        }
        Path certs = tls ? pki.writeCertsPem(work, format) : work.resolve("absent.pem");
        // the node's datastore and log dir, as the supervisor passes them: warm blobs come from the datastore
        return new GatewayServer(LoopbackGateways.inFrontOf(
                        "quay.io", node.port(), certs, work.resolve("data"), work.resolve("logs"), env))
                .start();
    }

    private String[] tlsFlags(boolean tls) {
        return tls ? new String[] {"--src-tls-verify=true", "--src-cert-dir", caDir.toString()} : new String[0];
    }

    @Test
    void skopeoAndPodmanPullOverPlainHttpWithoutAuth(@TempDir Path out) throws Exception {
        try (GatewayServer gw = gateway(false, false, null)) {
            String host = "127.0.0.1:" + gw.port();
            skopeo.copy("docker://" + host + "/quay.io/team/app:v1", "dir:" + out);
            assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("manifest.json"))));
            try (Podman podman = Podman.create()) {
                podman.pull(host + "/quay.io/team/app:v1");
                assertEquals(image.manifest().digest(), podman.digest(host + "/quay.io/team/app:v1"));
            }
        }
    }

    @Test
    void skopeoPullsOverTlsWithEveryKeyFormat(@TempDir Path out) throws Exception {
        for (TestPki.KeyFormat format : TestPki.KeyFormat.values()) {
            try (GatewayServer gw = gateway(true, false, format)) {
                Path dest = out.resolve(format.name());
                skopeo.copy(
                        "docker://127.0.0.1:" + gw.port() + "/quay.io/team/app:v1",
                        null,
                        "dir:" + dest,
                        null,
                        tlsFlags(true));
                assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(dest.resolve("manifest.json"))));
            }
        }
    }

    @Test
    void htpasswdOverTlsRefusesMissingAndWrongCredentials(@TempDir Path out) throws Exception {
        try (GatewayServer gw = gateway(true, true, TestPki.KeyFormat.PKCS8_RSA)) {
            String ref = "docker://127.0.0.1:" + gw.port() + "/quay.io/team/app:v1";
            ProcessResult none = skopeo.tryCopy(ref, null, "dir:" + out.resolve("none"), null, tlsFlags(true));
            assertFalse(none.succeeded());
            assertTrue(
                    none.output().contains("401") || none.output().toLowerCase().contains("unauthorized"),
                    none.output());
            ProcessResult wrong = skopeo.tryCopy(
                    ref,
                    TestCredentials.of(USER.username(), "wrong"),
                    "dir:" + out.resolve("wrong"),
                    null,
                    tlsFlags(true));
            assertFalse(wrong.succeeded());
            skopeo.copy(ref, USER, "dir:" + out.resolve("ok"), null, tlsFlags(true));
            assertEquals(image.manifest().digest(), Sha256.of(Files.readAllBytes(out.resolve("ok/manifest.json"))));
        }
    }

    @Test
    void podmanLoginThenPullOverTlsWithHtpasswd(@TempDir Path out) throws Exception {
        try (GatewayServer gw = gateway(true, true, TestPki.KeyFormat.EC);
                Podman podman = Podman.create()) {
            String host = "127.0.0.1:" + gw.port();
            Path authFile = out.resolve("auth.json");
            Files.writeString(authFile, "{}");
            ProcessResult wrong = podman.tryRun(
                    "login",
                    "--authfile",
                    authFile.toString(),
                    "--cert-dir",
                    caDir.toString(),
                    "-u",
                    USER.username(),
                    "-p",
                    "wrong",
                    host);
            assertFalse(wrong.succeeded(), wrong.output());
            podman.run(
                    "login",
                    "--authfile",
                    authFile.toString(),
                    "--cert-dir",
                    caDir.toString(),
                    "-u",
                    USER.username(),
                    "-p",
                    USER.password(),
                    host);
            podman.run(
                    "pull",
                    "--quiet",
                    "--authfile",
                    authFile.toString(),
                    "--cert-dir",
                    caDir.toString(),
                    host + "/quay.io/team/app:v1");
            assertEquals(image.manifest().digest(), podman.digest(host + "/quay.io/team/app:v1"));
        }
    }

    @Test
    void aNodeThatIsDownAnswers503ThroughTheGateway() throws Exception {
        try (GatewayServer gw = new GatewayServer(GatewayConfig.resolve(
                        "127.0.0.1",
                        "0",
                        work.resolve("absent.pem").toString(),
                        null,
                        null,
                        List.of("quay.io=http://127.0.0.1:1"),
                        Map.of()))
                .start()) {
            var r = new dev.registrycache.testsupport.RegistryClient("http://127.0.0.1:" + gw.port())
                    .get("/v2/quay.io/team/app/manifests/v1");
            assertEquals(503, r.status());
            assertTrue(r.header("Retry-After").isPresent());
        }
    }

    /** An SSL context that trusts the test's CA. */
    private javax.net.ssl.SSLContext trustingContext() throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(
                "ca", new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(pki.ca));
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private java.net.http.HttpClient tlsClient(
            javax.net.ssl.SSLContext ctx, String protocol, java.net.http.HttpClient.Version version) {
        return java.net.http.HttpClient.newBuilder()
                .sslContext(ctx)
                .sslParameters(new javax.net.ssl.SSLParameters(null, new String[] {protocol}))
                .version(version)
                .build();
    }

    @Test
    void aLargeBlobComesWholeOverTlsWithHttp1AndHttp2ColdAndWarm() throws Exception {
        Image big =
                OciImages.image().oci().seed(43).layers(1).layerSize(3_000_000).build();
        upstream.push(big, "team/big", "v1");
        javax.net.ssl.SSLContext ctx = trustingContext();
        try (GatewayServer gw = gateway(true, false, TestPki.KeyFormat.EC)) {
            URI blob = URI.create("https://127.0.0.1:" + gw.port() + "/v2/quay.io/team/big/blobs/"
                    + big.layer(0).digest());
            // the first GET goes through the node (cold: fetched upstream), the others come from the datastore
            for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
                for (var version :
                        List.of(java.net.http.HttpClient.Version.HTTP_2, java.net.http.HttpClient.Version.HTTP_1_1)) {
                    var r = tlsClient(ctx, protocol, version)
                            .send(
                                    java.net.http.HttpRequest.newBuilder(blob).build(),
                                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, r.statusCode(), protocol + " " + version);
                    assertEquals(version, r.version());
                    assertEquals(big.layer(0).digest(), Sha256.of(r.body()), protocol + " " + version);
                }
            }
        }
    }

    @Test
    void plainHttpToTheTlsPortIsToldToUseHttpsAndClosed() throws Exception {
        try (GatewayServer gw = gateway(true, false, TestPki.KeyFormat.EC);
                java.net.Socket socket = new java.net.Socket("127.0.0.1", gw.port())) {
            socket.setSoTimeout((int) Duration.ofSeconds(60).toMillis());
            socket.getOutputStream()
                    .write(("GET /v2/quay.io/team/app/manifests/v1 HTTP/1.1\r\nHost: localhost:" + gw.port()
                                    + "\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            // readAllBytes ends only when the gateway closes the connection
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
            assertTrue(answer.contains("this port speaks HTTPS: use https://localhost:" + gw.port() + "/"), answer);
            assertFalse(answer.contains(image.manifest().digest()), "nothing served over plain HTTP: " + answer);
        }
    }

    @Test
    void offersHttp2ByAlpnAndOnlyTls12And13() throws Exception {
        javax.net.ssl.SSLContext ctx = trustingContext();
        try (GatewayServer gw = gateway(true, false, TestPki.KeyFormat.PKCS1_RSA)) {
            URI base = URI.create("https://127.0.0.1:" + gw.port() + "/v2/");
            for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
                var r = tlsClient(ctx, protocol, java.net.http.HttpClient.Version.HTTP_2)
                        .send(
                                java.net.http.HttpRequest.newBuilder(base).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals(java.net.http.HttpClient.Version.HTTP_2, r.version(), protocol);
            }
            try (javax.net.ssl.SSLSocket socket =
                    (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", gw.port())) {
                socket.setEnabledProtocols(new String[] {"TLSv1.1"});
                org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, socket::startHandshake);
            } catch (IllegalArgumentException jdkRefusesTls11) {
                // the JDK itself no longer offers TLS 1.1: nothing to test from this side
            }
        }
    }

    @Test
    void aCertificateForAnotherNameIsServedToClientsUsingLocalhostOrAnAddress() throws Exception {
        // the README's recipe: a self-signed certificate for the host's name only
        Path certs = SelfSignedCertificate.writeCertsPem(work.resolve("other-certs.pem"), "cache.example");
        try (GatewayServer gw = new GatewayServer(LoopbackGateways.inFrontOf(
                        "quay.io", node.port(), certs, work.resolve("data"), work.resolve("logs"), Map.of()))
                .start()) {
            javax.net.ssl.SSLContext anyCertificate = javax.net.ssl.SSLContext.getInstance("TLS");
            anyCertificate.init(
                    null,
                    new javax.net.ssl.TrustManager[] {
                        new javax.net.ssl.X509TrustManager() {
                            @Override
                            public void checkClientTrusted(
                                    java.security.cert.X509Certificate[] chain, String authType) {}

                            @Override
                            public void checkServerTrusted(
                                    java.security.cert.X509Certificate[] chain, String authType) {}

                            @Override
                            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                                return new java.security.cert.X509Certificate[0];
                            }
                        }
                    },
                    null);
            for (String serverName : new String[] {"localhost", null}) {
                try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket)
                        anyCertificate.getSocketFactory().createSocket("127.0.0.1", gw.port())) {
                    javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
                    parameters.setServerNames(
                            serverName == null ? List.of() : List.of(new javax.net.ssl.SNIHostName(serverName)));
                    socket.setSSLParameters(parameters);
                    socket.getOutputStream()
                            .write(("GET /v2/ HTTP/1.1\r\nHost: " + (serverName == null ? "127.0.0.1" : serverName)
                                            + "\r\nConnection: close\r\n\r\n")
                                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    String response = new String(
                            socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                    assertTrue(response.startsWith("HTTP/1.1 200"), "SNI " + serverName + ": " + response);
                }
            }
        }
    }
}
