package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.cleaner.CleanerCommand;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.startup.SupervisorWatch;
import dev.registrycache.common.store.StoreKeys;
import dev.registrycache.common.store.location.StoreLocation;
import dev.registrycache.logger.LoggerCommand;
import dev.registrycache.node.LoopbackNodes;
import dev.registrycache.node.RegistryNode;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.Blob;
import dev.registrycache.testsupport.Image;
import dev.registrycache.testsupport.OciImages;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.RegistryClient;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.Tools;
import dev.registrycache.testsupport.UpstreamRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logger and the cleaner on S3 (issue 26, point 4), as their commands run: the logger records
 * the uses it reads in the nodes' access logs beside the blobs in the bucket; the cleaner evicts
 * the least recently used blobs by those uses until the store is under CLEANER_MAXSIZE, and
 * removes the links to what it evicted, so that a pull afterwards fetches from the upstream
 * again; of two cleaners on one bucket, the one holding the lease cleans and the other says so
 * and does nothing.
 */
@Tag("e2e")
class CleanerAndLoggerOnS3E2ETest {
    private static final String PREFIX = "cache";
    private static final Pattern BLOB_KEY = Pattern.compile("docker/registry/v2/blobs/sha256/../([0-9a-f]{64})/data");
    private static final Pattern LINK_KEY = Pattern.compile("docker/registry/v2/repositories/.*/link");

    @TempDir
    Path dir;

    private final List<Image> images = List.of(image(0), image(1), image(2));

    private static Image image(int i) {
        return OciImages.image()
                .oci()
                .seed(2640 + i)
                .layers(2)
                .layerSize(300_000)
                .build();
    }

    @Test
    void theCleanerEvictsByTheUsesTheLoggerRecordedLeavesNoDanglingLinkAndOneCleanerHoldsTheLease() throws Exception {
        try (S3Server s3 = S3Server.plain();
                UpstreamRegistry upstream = UpstreamRegistry.plain()) {
            for (int i = 0; i < images.size(); i++) {
                upstream.push(images.get(i), "team/img" + i, "v1");
            }
            Path data = dir.resolve("data");
            Path logs = dir.resolve("logs");
            var config = LoopbackNodes.config("quay.io", upstream.baseUrl(), data, logs, 0)
                    .withStore(StoreLocation.folder(data).inBucket(S3Settings.from(s3.environment(PREFIX))));
            try (RegistryNode node = new RegistryNode(config).start()) {
                RegistryClient client = new RegistryClient("http://127.0.0.1:" + node.port());
                // written in the order img0, img1, img2; then img2 and img0 used again, so that img1 is
                // the least recently used although img0 was written first
                for (int i : new int[] {0, 1, 2, 2, 0}) {
                    pull(client, i);
                }
                awaitAccessLogLines(logs, 5 * 4);

                ProcessResult logged =
                        run(LoggerCommand.class, s3, Map.of(), "--once", "--log-dir", logs, "--data-dir", data);
                assertEquals(0, logged.exitCode(), logged.describe());
                List<String> keys = keys(s3);
                for (int i : new int[] {0, 2}) {
                    String layer = blobKey(images.get(i).layer(0).blob());
                    assertTrue(
                            keys.stream().anyMatch(k -> k.startsWith(layer + "~use/")),
                            "the logger recorded the use of img" + i + "'s layer beside it: " + keys);
                }

                long max = 1_300_000; // two of the three images (each ~601 KB) fit
                ProcessResult cleaned = run(
                        CleanerCommand.class,
                        s3,
                        Map.of("CLEANER_MAXSIZE", String.valueOf(max), "CLEANER_THRESHOLD_PERCENTAGE", "0"),
                        "--once",
                        "--grace",
                        "0s",
                        "--log-dir",
                        logs,
                        "--data-dir",
                        data);
                assertEquals(0, cleaned.exitCode(), cleaned.describe());
                keys = keys(s3);
                for (var layer : images.get(1).layers()) {
                    assertFalse(
                            keys.contains(blobKey(layer.blob())), "img1, the least recently used, is evicted: " + keys);
                }
                for (int i : new int[] {0, 2}) {
                    for (Blob blob : images.get(i).blobs()) {
                        assertTrue(keys.contains(blobKey(blob)), "img" + i + " was used since: kept: " + keys);
                    }
                }
                assertTrue(storedBytes(s3, keys) <= max, "under CLEANER_MAXSIZE: " + cleaned.output());
                assertEquals(List.of(), danglingLinks(s3, keys), cleaned.output());

                int before = upstream.requestCount(
                        "GET", "/blobs/" + images.get(1).layer(0).digest());
                pull(client, 1);
                assertEquals(
                        before + 1,
                        upstream.requestCount(
                                "GET", "/blobs/" + images.get(1).layer(0).digest()),
                        "the evicted image is fetched from the upstream again");

                twoCleanersOnOneBucket(s3, data, logs);
                pull(client, 0); // everything evicted: pulled again from the upstream
            }
        }
    }

    /** One cleaner runs and holds the lease; another, told to evict everything, does nothing until it is gone. */
    private void twoCleanersOnOneBucket(S3Server s3, Path data, Path logs) throws Exception {
        Path output = dir.resolve("holder.out");
        ProcessBuilder builder =
                Tools.processBuilder(command(CleanerCommand.class, "--log-dir", logs, "--data-dir", data));
        environment(s3, Map.of("CLEANER_RUNEVERY_TIME", "1h")).forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        builder.redirectErrorStream(true).redirectOutput(output.toFile());
        Process holder = Tools.start(builder);
        try {
            Await.until(
                    "the first cleaner holds the lease",
                    Duration.ofSeconds(60),
                    () -> Tools.printed(output).contains("cleaner lease taken by"),
                    () -> Tools.printed(output));
            Map<String, String> evictAll = Map.of("CLEANER_MAXSIZE", "1", "CLEANER_THRESHOLD_PERCENTAGE", "0");
            int blobs = blobKeys(keys(s3)).size();
            ProcessResult other = run(
                    CleanerCommand.class,
                    s3,
                    evictAll,
                    "--once",
                    "--grace",
                    "0s",
                    "--log-dir",
                    logs,
                    "--data-dir",
                    data);
            assertEquals(0, other.exitCode(), other.describe());
            assertTrue(other.output().contains("another replica holds the cleaner lease"), other.output());
            assertEquals(blobs, blobKeys(keys(s3)).size(), "the cleaner without the lease deleted nothing");

            Tools.stop(holder, Duration.ofSeconds(30)); // SIGTERM: it gives the lease up
            ProcessResult next = run(
                    CleanerCommand.class,
                    s3,
                    evictAll,
                    "--once",
                    "--grace",
                    "0s",
                    "--log-dir",
                    logs,
                    "--data-dir",
                    data);
            assertEquals(0, next.exitCode(), next.describe());
            List<String> keys = keys(s3);
            assertEquals(List.of(), blobKeys(keys), "the lease free, the other cleaner evicted everything");
            assertEquals(List.of(), danglingLinks(s3, keys), next.output());
        } finally {
            Tools.stop(holder, Duration.ofSeconds(30));
        }
    }

    private void pull(RegistryClient client, int i) {
        Image image = images.get(i);
        String repository = "quay.io/team/img" + i;
        assertEquals(200, client.getManifest(repository, "v1").status());
        assertEquals(
                image.config().digest(),
                client.blobSha256(repository, image.config().digest()));
        for (var layer : image.layers()) {
            assertEquals(layer.digest(), client.blobSha256(repository, layer.digest()));
        }
    }

    /** The node writes its access log on a thread of its own: the logger must find every line there. */
    private static void awaitAccessLogLines(Path logs, int lines) {
        Path log = new LogDirLayout(logs).nodeAccessLog(RegistryHost.fromKey("quay.io"));
        Await.until("the node's access log holds " + lines + " lines", () -> {
            try {
                return Files.exists(log) && Files.readAllLines(log).size() >= lines;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static String blobKey(Blob blob) {
        return PREFIX + "/" + StoreKeys.blobData(Digest.parse(blob.digest()));
    }

    private static List<String> keys(S3Server s3) {
        return s3.client().keys(PREFIX + "/");
    }

    private static List<String> blobKeys(List<String> keys) {
        return keys.stream()
                .filter(k -> BLOB_KEY.matcher(k.substring(PREFIX.length() + 1)).matches())
                .toList();
    }

    private static long storedBytes(S3Server s3, List<String> keys) {
        return blobKeys(keys).stream()
                .mapToLong(k -> s3.client().get(k).orElseThrow().length)
                .sum();
    }

    /** Links (layers, manifest revisions, tags) whose blob is not in the bucket. */
    private static List<String> danglingLinks(S3Server s3, List<String> keys) {
        List<String> dangling = new ArrayList<>();
        for (String key : keys) {
            if (!LINK_KEY.matcher(key.substring(PREFIX.length() + 1)).matches()) {
                continue;
            }
            String target = new String(s3.client().get(key).orElseThrow(), StandardCharsets.US_ASCII);
            if (!keys.contains(PREFIX + "/" + StoreKeys.blobData(Digest.parse(target)))) {
                dangling.add(key + " -> " + target);
            }
        }
        return dangling;
    }

    private static ProcessResult run(Class<?> command, S3Server s3, Map<String, String> env, Object... args) {
        return Tools.run(Duration.ofSeconds(120), command(command, args), environment(s3, env), null);
    }

    private static List<String> command(Class<?> command, Object... args) {
        List<String> line = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                command.getName()));
        for (Object arg : args) {
            line.add(arg.toString());
        }
        return line;
    }

    /** The S3_* variables of the bucket, {@code extra}, and none of the settings the machine may have set. */
    private static Map<String, String> environment(S3Server s3, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        for (String unset : List.of(
                "CLEANER_MAXSIZE",
                "CLEANER_THRESHOLD_PERCENTAGE",
                "CLEANER_RUNEVERY_TIME",
                "CLEANER_LEASE_TERM",
                "DATA_DIR",
                "LOG_DIR",
                SupervisorWatch.ENV)) {
            env.put(unset, null);
        }
        env.putAll(s3.environment(PREFIX));
        env.putAll(extra);
        return env;
    }
}
