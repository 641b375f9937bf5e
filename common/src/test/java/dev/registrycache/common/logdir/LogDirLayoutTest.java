package dev.registrycache.common.logdir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.RegistryHost;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LogDirLayoutTest {
    private final LogDirLayout logs = new LogDirLayout(Path.of("/var/log/registry-cache"));
    private final String dir = "/var/log/registry-cache/";

    @Test
    void namesEveryFileOfTheLogDir() {
        String[][] table = {
            {logs.nodeAccessLog(RegistryHost.fromKey("quay.io")).toString(), dir + "node-quay.io.access.log"},
            {logs.gatewayAccessLog().toString(), dir + "gateway.access.log"},
            {
                logs.nodeAccessLog(RegistryHost.fromKey("registry.local:5000")).toString(),
                dir + "node-registry.local_5000.access.log"
            },
            {LogDirLayout.rotated(logs.gatewayAccessLog()).toString(), dir + "gateway.access.log.1"},
            {logs.cleanerMetrics().toString(), dir + "cleaner.prom"},
            {logs.loggerMetrics().toString(), dir + "logger.prom"},
            {logs.supervisorMetrics().toString(), dir + "supervisor.prom"},
            {logs.loggerState().toString(), dir + ".logger-state.json"},
        };
        for (String[] row : table) {
            assertEquals(row[1], row[0]);
        }
    }

    @Test
    void theLoggerFollowsTheLiveAccessLogsOnly() {
        assertTrue(LogDirLayout.isAccessLog("node-quay.io.access.log"));
        assertTrue(LogDirLayout.isAccessLog("gateway.access.log"));
        assertFalse(LogDirLayout.isAccessLog("node-quay.io.access.log.1"));
        assertFalse(LogDirLayout.isAccessLog("cleaner.prom"));
        assertFalse(LogDirLayout.isAccessLog(".logger-state.json"));
    }

    @Test
    void theMetricsGlobMatchesEveryMetricsFileAndNoTemporaryOne() {
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + LogDirLayout.METRICS_GLOB);
        assertTrue(matcher.matches(logs.cleanerMetrics().getFileName()));
        assertTrue(matcher.matches(logs.supervisorMetrics().getFileName()));
        assertFalse(matcher.matches(Path.of(".cleaner.prom-0f8fad5b-d9cb-469f-a165-70867728950e.tmp")), "AtomicFile's");
        assertFalse(matcher.matches(logs.gatewayAccessLog().getFileName()));
    }
}
