package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.http.WarmUp;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.TempFolders;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's warm-up after a start: synthetic GETs over TLS (HTTP/2 and HTTP/1.1) or plain
 * HTTP through a throwaway copy of the gateway, which leave nothing in the real one (its access
 * log, its request counts) nor on disk, and end as soon as a real request for a repository arrives.
 */
class GatewayWarmUpTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path work;

    private Path certs;

    private GatewayServer gateway(boolean tls) throws Exception {
        return new GatewayServer(config(tls)).start();
    }

    private GatewayConfig config(boolean tls) throws Exception {
        if (certs == null) {
            certs = tls ? new TestPki().writeCertsPem(work, TestPki.KeyFormat.EC) : work.resolve("absent.pem");
        }
        return LoopbackGateways.inFrontOf(
                "quay.io",
                FreePort.pick(), // a node nobody listens on: the real gateway never reaches it here
                certs,
                work.resolve("data"),
                work.resolve("logs"),
                Map.of());
    }

    @Test
    void warmsUpOverTlsThroughAThrowawayGatewayAndLeavesNoTrace() throws Exception {
        warmsUpAndLeavesNoTrace(true);
    }

    @Test
    void warmsUpOverPlainHttpThroughAThrowawayGatewayAndLeavesNoTrace() throws Exception {
        warmsUpAndLeavesNoTrace(false);
    }

    private void warmsUpAndLeavesNoTrace(boolean tls) throws Exception {
        Set<Path> before = TempFolders.startingWith(WarmUp.FOLDER_PREFIX);
        try (GatewayServer gw = gateway(tls)) {
            long moved = gw.warmUp(96 * MIB).ended().get(120, TimeUnit.SECONDS);

            assertTrue(moved >= 96 * MIB, "moved " + moved + " bytes through the throwaway gateway");
            try (Stream<Path> logs = Files.list(work.resolve("logs"))) {
                for (Path log : logs.toList()) {
                    assertEquals(0, Files.size(log), "no access log lines in " + log);
                }
            }
            String metrics = get(gw, tls, "/metrics").body();
            assertFalse(metrics.contains("registry_cache_gateway_requests_total{code=\"200\"}"), metrics);
            assertEquals(
                    Set.of(),
                    TempFolders.newSince(before, WarmUp.FOLDER_PREFIX),
                    "the throwaway gateway's folder is removed");
        }
    }

    @Test
    void theThrowawayGatewayServesTheBlobByTurnsThroughItsNodeAndFromItsDatastoreOverBothProtocols() throws Exception {
        try (GatewayWarmUp rig = GatewayWarmUp.open(config(true))) {
            long moved = 0;
            for (int i = 0; i < 4; i++) {
                moved += rig.transfer(() -> false);
            }
            assertEquals(4 * rig.node().length(), moved);
            assertEquals(2, rig.node().blobGets(), "two of four from the throwaway datastore");
        }
    }

    @Test
    void aRealRequestEndsTheWarmUp() throws Exception {
        try (GatewayServer gw = gateway(true)) {
            WarmUp.Progress warmUp = gw.warmUp(1L << 40);
            Await.until(
                    "a first synthetic transfer",
                    () -> warmUp.moved().get() > 0 || warmUp.ended().isDone());
            assertFalse(warmUp.ended().isDone(), "a terabyte takes a while");

            get(gw, true, "/v2/quay.io/team/app/manifests/v1"); // answered with an error: the node is down

            long moved = warmUp.ended().get(60, TimeUnit.SECONDS);
            assertTrue(moved > 0 && moved < 1L << 40, "ended early after " + moved + " bytes");
        }
    }

    private HttpResponse<String> get(GatewayServer gw, boolean tls, String path) throws Exception {
        HttpClient.Builder client = HttpClient.newBuilder();
        if (tls) {
            client.sslContext(trusting(PemKeyStore.load(certs)));
        }
        String url = (tls ? "https" : "http") + "://localhost:" + gw.port() + path;
        return client.build()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static SSLContext trusting(KeyStore keys) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(keys);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
