package dev.registrycache.common.cli;

import picocli.CommandLine.Option;

/**
 * {@code --data-dir} and {@code --log-dir}, the two folders every process shares, as a picocli
 * {@code @Mixin}. Each value is the flag as given, null without it: {@link
 * dev.registrycache.common.settings.Setting#DATA_DIR} and {@link dev.registrycache.common.settings.Setting#LOG_DIR}
 * resolve it against the environment and the default.
 */
public final class FolderOptions {
    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "the datastore, shared by every component (env DATA_DIR, default /var/lib/registry)")
    private String dataDir;

    @Option(
            names = "--log-dir",
            paramLabel = "DIR",
            description = "node and gateway access logs, logger state, *.prom metrics "
                    + "(env LOG_DIR, default /var/log/registry-cache)")
    private String logDir;

    /** {@code --data-dir} as given, or null. */
    public String dataDirFlag() {
        return dataDir;
    }

    /** {@code --log-dir} as given, or null. */
    public String logDirFlag() {
        return logDir;
    }
}
