package dev.registrycache.logger;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.S3Server;
import dev.registrycache.testsupport.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A logger that runs on (not {@code --once}) writes its metrics file when counters other than its
 * skips move: its requests to the datastore's bucket reach {@code logger.prom}, and through it the
 * gateway's {@code /metrics}, while nothing is skipped.
 */
class LoggerMetricsFileTest {
    @TempDir
    Path dir;

    @Test
    void aRunningLoggerWritesItsBucketRequestsToItsMetricsFile() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path metricsFile = new LogDirLayout(logs).loggerMetrics();
        try (S3Server s3 = S3Server.plain()) {
            Path output = dir.resolve("logger.out");
            ProcessBuilder pb = LoggerProcessTest.process(logs, data, output);
            pb.environment().putAll(s3.environment("logger"));
            Process logger = pb.start();
            try {
                Files.writeString(
                        logs.resolve("node-quay.io.access.log"),
                        "{\"time\":\"" + Instant.now()
                                + "\",\"registry\":\"quay.io\",\"method\":\"GET\",\"path\":\"/v2/x\",\"kind\":\"blob\","
                                + "\"repository\":\"quay.io/a\",\"digest\":\""
                                + Digest.sha256Of(new byte[] {1})
                                + "\",\"status\":200,\"bytes\":1,\"cache\":\"hit\",\"durationMs\":1}\n");
                Await.until(
                        "the logger's bucket requests in its metrics file",
                        Duration.ofSeconds(90),
                        () -> Tools.printed(metricsFile).contains("registry_cache_s3_requests_total{"),
                        () -> Tools.printed(output));
                assertTrue(logger.isAlive(), "it runs on");
            } finally {
                logger.destroy();
                logger.waitFor();
            }
        }
    }
}
