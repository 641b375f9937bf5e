package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.RateLimitingFront;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.SelfSignedCertificate;
import dev.registrycache.testsupport.Skopeo;
import dev.registrycache.testsupport.TestCredentials;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard and the alerting rules of docker/monitoring, checked with the real tools: promtool
 * checks and unit-tests the rules, and a private Prometheus scrapes a whole stack (TLS and
 * htpasswd, two registries, one behind a front that announces Docker Hub's rate limit) while
 * skopeo pulls through it; then every query of the dashboard, and every metric the rules read,
 * must answer with data, and every rule must evaluate without error. The stack keeps its
 * datastore in a bucket (s3proxy): what every stack reports does not depend on the datastore, and
 * the bucket's requests, which a stack on files does not count, are on the dashboard and in the
 * rules too.
 */
@Tag("e2e")
class DashboardsAndAlertsIT {
    private static final TestCredentials CLIENT = TestCredentials.of("operator", "dashboards-pw");
    /** The name in the gateway's certificate, which Prometheus checks, though it connects to 127.0.0.1. */
    private static final String CERT_NAME = "localhost";

    private static final String BUCKET_REQUESTS = "registry_cache_s3_requests_total";

    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** Stops every process and server the test started, each even when another fails to stop. */
    @AfterEach
    void cleanUp() throws Exception {
        Exception failed = null;
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    @Test
    void theAlertingRulesPassPromtoolsChecksAndTheirUnitTests() {
        Tools.require("promtool");
        Tools.runOrThrow(
                Duration.ofSeconds(60), List.of("promtool", "check", "rules", MonitoringFiles.RULES.toString()));
        // every alert of the rules file, each seen firing and silent on input series
        Tools.runOrThrow(
                Duration.ofMinutes(3), List.of("promtool", "test", "rules", MonitoringFiles.RULES_TESTS.toString()));
    }

    @Test
    void everyDashboardQueryAnswersFromAPrometheusScrapingAStackThatServedPulls(@TempDir Path dir) throws Exception {
        UpstreamRegistry quay = UpstreamRegistry.plain();
        closeables.add(quay);
        RateLimitingFront quayFront = RateLimitingFront.before(quay.baseUrl());
        closeables.add(quayFront);
        UpstreamRegistry hub = UpstreamRegistry.plain();
        closeables.add(hub);
        quay.push(OciImages.image().oci().seed(91).layers(2).layerSize(100_000).build(), "team/a", "v1");
        quay.push(OciImages.image().oci().seed(92).layers(2).layerSize(100_000).build(), "team/c", "v1");
        hub.push(
                OciImages.image().docker().seed(93).layers(1).layerSize(100_000).build(), "library/b", "v2");

        S3Server s3 = S3Server.plain();
        closeables.add(s3);

        Path certs = SelfSignedCertificate.writeCertsPem(dir.resolve("certs.pem"), CERT_NAME);
        Path ca = Files.writeString(dir.resolve("ca.pem"), certificateOf(certs));
        WholeStack.Starter starter = new WholeStack.Starter();
        closeables.add(0, starter); // stopped before the upstreams and the bucket it uses
        Map<String, String> env =
                stackEnv(dir, certs, "quay.io=" + quayFront.baseUrl() + " docker.io=" + hub.baseUrl());
        env.putAll(s3.environment("dashboards"));
        WholeStack.Stack stack = starter.start(false, env);
        Await.until(
                "the ready line",
                Duration.ofSeconds(90),
                () -> stack.printed("registry-cache ready"),
                () -> String.join("\n", stack.lines()));
        int port = stack.port();

        Path prometheusDir = Files.createDirectories(dir.resolve("prometheus"));
        PrivatePrometheus prometheus = PrivatePrometheus.scraping(
                prometheusDir, "127.0.0.1:" + port, CLIENT, ca, CERT_NAME, MonitoringFiles.RULES);
        closeables.add(0, prometheus); // stopped before the stack it scrapes
        Await.until(
                "Prometheus scraping the gateway",
                Duration.ofMinutes(2),
                () -> !answer(prometheus, "up{job=\"" + PrivatePrometheus.JOB + "\"} == 1")
                        .isEmpty(),
                prometheus::printed);

        pullThrough(dir, "127.0.0.1:" + port);
        askTheAdminApi(ca, port);

        List<MonitoringFiles.Query> queries = new ArrayList<>(MonitoringFiles.queries());
        for (String metric : MonitoringFiles.metricsTheRulesRead()) {
            queries.add(new MonitoringFiles.Query("the rules' metric " + metric, metric));
        }
        assertEveryQueryAnswers(prometheus, queries);
        assertEveryRuleEvaluates(prometheus);
        assertTheBucketRequestsOfTheProcessesWithoutAPortReachTheGateway(dir, ca, port);
    }

    /** A stack over TLS with htpasswd, {@link #CLIENT} its one user and an admin, on 127.0.0.1. */
    private static Map<String, String> stackEnv(Path dir, Path certs, String endpoints) throws IOException {
        Path htpasswd = TestCredentials.writeHtpasswd(dir.resolve("htpasswd"), CLIENT);
        Map<String, String> env = WholeStack.env(dir, "{\"auths\":{\"quay.io\":{},\"docker.io\":{}}}", endpoints);
        env.put("BIND_ADDRESS", "127.0.0.1");
        env.put("CERTS", certs.toString());
        env.put("REGISTRY_AUTH", "htpasswd");
        env.put("REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString());
        env.put("ADMIN_USERS", CLIENT.username());
        env.put("WARMUP_SIZE", "0"); // nothing to see in the metrics; spares a shared machine
        return env;
    }

    /**
     * What moves the counters the dashboard reads: cold and warm pulls of an image from each
     * registry, a pull of an image the upstream does not have (an upstream error), and the
     * manifest alone of another image (the node completes it in the background).
     */
    private static void pullThrough(Path dir, String cache) {
        Skopeo skopeo = Skopeo.create();
        for (String image : List.of("quay.io/team/a:v1", "docker.io/b:v2")) {
            for (String pull : List.of("cold", "warm")) {
                skopeo.copy(
                        "docker://" + cache + "/" + image,
                        CLIENT,
                        "dir:" + dir.resolve(image.replaceAll("[/:]", "_") + "-" + pull),
                        null);
            }
        }
        assertFalse(
                skopeo.tryCopy(
                                "docker://" + cache + "/quay.io/team/missing:v1",
                                CLIENT,
                                "dir:" + dir.resolve("missing"),
                                null)
                        .succeeded(),
                "an image the upstream does not have");
        skopeo.inspectRaw("docker://" + cache + "/quay.io/team/c:v1", CLIENT);
    }

    /**
     * The logger and the cleaner count their requests to the bucket in their metrics files, and
     * the gateway's /metrics declares the family once, with every series they wrote.
     */
    private static void assertTheBucketRequestsOfTheProcessesWithoutAPortReachTheGateway(Path dir, Path ca, int port)
            throws Exception {
        LogDirLayout logs = new LogDirLayout(dir.resolve("logs"));
        Set<String> written = new TreeSet<>();
        Await.until(
                "bucket requests in the logger's and the cleaner's metrics files",
                Duration.ofMinutes(2),
                () -> {
                    Set<String> logger = bucketSeries(logs.loggerMetrics());
                    Set<String> cleaner = bucketSeries(logs.cleanerMetrics());
                    written.clear();
                    written.addAll(logger);
                    written.addAll(cleaner);
                    return !logger.isEmpty() && !cleaner.isEmpty();
                },
                written::toString);
        String metrics = get(ca, port, "/metrics").body();
        assertEquals(
                1,
                metrics.lines()
                        .filter(l -> l.equals("# TYPE " + BUCKET_REQUESTS + " counter"))
                        .count(),
                metrics);
        for (String series : written) {
            assertTrue(metrics.contains("\n" + series + " "), series + " in\n" + metrics);
        }
    }

    /** The series of the bucket's requests in a metrics file (none while it is not written yet). */
    private static Set<String> bucketSeries(Path promFile) {
        if (!Files.isRegularFile(promFile)) {
            return Set.of();
        }
        try {
            return Files.readString(promFile)
                    .lines()
                    .filter(l -> l.startsWith(BUCKET_REQUESTS + "{"))
                    .map(l -> l.substring(0, l.lastIndexOf(' ')))
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lists the pins through the admin API, so that {@code registry_cache_admin_actions_total} counts an action. */
    private static void askTheAdminApi(Path ca, int port) throws Exception {
        HttpResponse<String> pins = get(ca, port, "/admin/v1/pins");
        assertEquals(200, pins.statusCode(), pins.body());
    }

    /** A GET of {@code path} on the gateway, over TLS as {@link #CLIENT}. */
    private static HttpResponse<String> get(Path ca, int port, String path) throws Exception {
        HttpClient https = HttpClient.newBuilder().sslContext(trusting(ca)).build();
        return https.send(
                HttpRequest.newBuilder(URI.create("https://" + CERT_NAME + ":" + port + path))
                        .header("Authorization", CLIENT.basicAuthorization())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Waits until every query answers with at least one series (a counter needs two scrapes after
     * it moved, a gauge of the cleaner its first pass), and fails naming each that does not.
     */
    private static void assertEveryQueryAnswers(PrivatePrometheus prometheus, List<MonitoringFiles.Query> queries) {
        List<MonitoringFiles.Query> silent = new ArrayList<>(queries);
        Await.until(
                "every query answering with data",
                Duration.ofMinutes(2),
                () -> {
                    silent.removeIf(q -> !answer(prometheus, q.promql()).isEmpty());
                    return silent.isEmpty();
                },
                () -> "no data for:\n"
                        + silent.stream()
                                .map(q -> q.where() + ": " + q.promql())
                                .collect(Collectors.joining("\n")));
    }

    /** Every alert of the rules file is loaded and evaluates without error. */
    private static void assertEveryRuleEvaluates(PrivatePrometheus prometheus) {
        Set<String> loaded = new TreeSet<>();
        Await.until(
                "every rule evaluated",
                Duration.ofMinutes(2),
                () -> {
                    loaded.clear();
                    boolean allOk = true;
                    for (JsonNode group : ruleGroups(prometheus)) {
                        for (JsonNode rule : group.path("rules")) {
                            String health = rule.path("health").asText();
                            if (health.equals("err")) {
                                throw new AssertionError(rule.path("name").asText() + ": "
                                        + rule.path("lastError").asText());
                            }
                            allOk &= health.equals("ok");
                            loaded.add(rule.path("name").asText());
                        }
                    }
                    return allOk && !loaded.isEmpty();
                },
                () -> ruleGroups(prometheus).toString());
        assertEquals(MonitoringFiles.alertNames(), loaded);
    }

    private static JsonNode answer(PrivatePrometheus prometheus, String promql) {
        try {
            return prometheus.query(promql);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode ruleGroups(PrivatePrometheus prometheus) {
        try {
            return prometheus.ruleGroups();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The certificate of a CERTS file (certificate, then key), which clients are told to trust. */
    private static String certificateOf(Path certsPem) throws IOException {
        Matcher m = Pattern.compile("-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", Pattern.DOTALL)
                .matcher(Files.readString(certsPem));
        assertTrue(m.find(), "no certificate in " + certsPem);
        return m.group();
    }

    private static SSLContext trusting(Path caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry(
                    "cache", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context;
    }
}
