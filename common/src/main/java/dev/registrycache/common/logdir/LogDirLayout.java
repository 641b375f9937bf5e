package dev.registrycache.common.logdir;

import dev.registrycache.common.oci.RegistryHost;
import java.nio.file.Path;

/**
 * The file names of the log dir, the folder the processes share besides the datastore:
 *
 * <pre>
 * &lt;log-dir&gt;/
 *   node-&lt;prefix&gt;.access.log, gateway.access.log   access logs (rotated by size to .1), followed by the logger
 *   cleaner.prom, logger.prom, supervisor.prom        metrics of the processes without a port, for the gateway's /metrics
 *   .logger-state.json                                where the logger was in each access log
 *   admin-audit.log                                   every request of the admin API (rotated by size to .1)
 * </pre>
 */
public final class LogDirLayout {
    private static final String NODE_ACCESS_LOG_PREFIX = "node-";
    private static final String ACCESS_LOG_SUFFIX = ".access.log";
    private static final String GATEWAY_ACCESS_LOG = "gateway" + ACCESS_LOG_SUFFIX;
    private static final String ROTATED_SUFFIX = ".1";
    private static final String METRICS_SUFFIX = ".prom";
    /** Every metrics file, as a {@link java.nio.file.FileSystem#getPathMatcher glob}. */
    public static final String METRICS_GLOB = "*" + METRICS_SUFFIX;

    private static final String LOGGER_STATE = ".logger-state.json";

    private final Path dir;

    public LogDirLayout(Path logDir) {
        this.dir = logDir;
    }

    public Path dir() {
        return dir;
    }

    /** The access log of the node for {@code registry}. */
    public Path nodeAccessLog(RegistryHost registry) {
        return dir.resolve(NODE_ACCESS_LOG_PREFIX + registry.prefix() + ACCESS_LOG_SUFFIX);
    }

    /** The gateway's own access log: the stored blobs it answers itself. */
    public Path gatewayAccessLog() {
        return dir.resolve(GATEWAY_ACCESS_LOG);
    }

    /** Whether {@code name} is an access log's (live, not rotated) of a node or the gateway. */
    public static boolean isAccessLog(String name) {
        return name.startsWith(NODE_ACCESS_LOG_PREFIX) && name.endsWith(ACCESS_LOG_SUFFIX)
                || name.equals(GATEWAY_ACCESS_LOG);
    }

    /** Where an access log is moved when it is rotated. */
    public static Path rotated(Path accessLog) {
        return accessLog.resolveSibling(accessLog.getFileName() + ROTATED_SUFFIX);
    }

    public Path cleanerMetrics() {
        return dir.resolve("cleaner" + METRICS_SUFFIX);
    }

    public Path loggerMetrics() {
        return dir.resolve("logger" + METRICS_SUFFIX);
    }

    public Path supervisorMetrics() {
        return dir.resolve("supervisor" + METRICS_SUFFIX);
    }

    /** The audit trail of the admin API, written by the gateway. */
    public Path adminAuditLog() {
        return dir.resolve("admin-audit.log");
    }

    /** The logger's positions in the access logs, kept across its restarts. */
    public Path loggerState() {
        return dir.resolve(LOGGER_STATE);
    }
}
