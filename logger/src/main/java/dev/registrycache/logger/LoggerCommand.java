package dev.registrycache.logger;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.cli.FolderOptions;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.Setting;
import dev.registrycache.common.settings.WritableFolder;
import dev.registrycache.common.startup.Startup;
import dev.registrycache.common.store.StoreLocation;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code registry-cache.jar logger}: follows the nodes' access logs and sets blob access times. */
@Command(
        name = "logger",
        mixinStandardHelpOptions = true,
        description = {
            "Records blob access times from the access logs, for the cleaner's eviction.",
            "Follows every access log in the log dir (the nodes' and the gateway's, also those that appear "
                    + "later; rotation and truncation handled) and sets the access time of each blob a successful "
                    + "request used, and of everything a used manifest references. Remembers its place in each "
                    + "file across restarts."
        })
public final class LoggerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerCommand.class);

    @Mixin
    FolderOptions folders;

    @Option(
            names = "--state-file",
            paramLabel = "FILE",
            description = "where the positions in the logs are kept (default <log-dir>/.logger-state.json)")
    String stateFile;

    @Option(
            names = "--poll-millis",
            paramLabel = "MS",
            defaultValue = "250",
            description = "how often to look for new lines")
    long pollMillis;

    @Option(
            names = "--once",
            description = "read every access log to its end, set the access times, save the place and exit "
                    + "(as the supervisor runs it when the logs grew); the counts go on from <log-dir>/logger.prom")
    boolean once;

    @Override
    public Integer call() throws Exception {
        return Startup.component("logger", this::configure, this::run);
    }

    /** The folders; the log dir is checked writable, as the logger keeps its place and metrics there. */
    private record Configured(LogDirLayout logs, Path stateFile, StoreLocation store) {}

    private Configured configure() {
        if (pollMillis < 1) {
            throw new ConfigException("--poll-millis " + pollMillis + ": must be at least 1");
        }
        Map<String, String> env = System.getenv();
        LogDirLayout logs = new LogDirLayout(
                WritableFolder.require(Path.of(Setting.LOG_DIR.resolve(folders.logDirFlag(), env)), Setting.LOG_DIR));
        return new Configured(
                logs,
                stateFile != null ? Path.of(stateFile) : logs.loggerState(),
                StoreLocation.of(Path.of(Setting.DATA_DIR.resolve(folders.dataDirFlag(), env)), env));
    }

    private int run(Configured configured) throws Exception {
        Path logs = configured.logs().dir();
        TailState state = new TailState(configured.stateFile());
        Metrics metrics = new Metrics();
        Skips skips = new Skips(LoggerMetrics.in(metrics));
        AccessToucher toucher = new AccessToucher(configured.store().open("logger", metrics), skips);
        // touches are applied (flushed) in batches, and a position is saved only right after the
        // touches of the lines before it were applied
        LogTailer tailer = new LogTailer(logs, state.load(), toucher::accept, LogTailer.POLL_BYTES, skips);
        Path metricsFile = configured.logs().loggerMetrics();
        if (once) {
            metrics.resumeCounters(metricsFile);
        }
        Object lock = new Object();
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stopping.set(true); // the loop stops polling; a poll in progress is bounded
                            synchronized (lock) {
                                try {
                                    toucher.flush();
                                    state.save(tailer.positions());
                                } catch (Exception e) {
                                    LOG.warn("cannot save positions: {}", Reasons.of(e));
                                }
                                tailer.close();
                            }
                        },
                        "logger-shutdown"));
        if (!once) {
            LOG.info(
                    "logger following {} for the datastore {}",
                    logs,
                    configured.store().describe());
        }
        long lastFlush = 0;
        long lastSave = 0;
        Map<String, TailState.Position> applied = null;
        Map<String, TailState.Position> saved = null;
        long skipsWritten = 0;
        while (!stopping.get()) {
            boolean behind;
            synchronized (lock) {
                if (stopping.get()) {
                    break;
                }
                behind = tailer.poll();
                long now = System.currentTimeMillis();
                // caught up: apply the touches now; catching up on a backlog: once a second, so that
                // a blob named on many lines of it is touched once a second, not once per chunk
                if (!behind || now - lastFlush >= 1000) {
                    toucher.flush();
                    lastFlush = now;
                    applied = tailer.positions();
                }
                if (applied != null && !applied.equals(saved) && now - lastSave >= 1000) {
                    state.save(applied); // never past lines whose touches are not applied yet
                    saved = applied;
                    lastSave = now;
                }
                if (skips.count() != skipsWritten || once && !behind) {
                    skipsWritten = skips.count();
                    metrics.writeTo(metricsFile);
                }
                if (once && !behind) {
                    state.save(applied); // read to the end, every touch applied
                    LOG.info("logger: access logs read to their end, {} lines", tailer.lines());
                    return 0; // the shutdown hook closes the logs
                }
            }
            if (!behind) {
                Thread.sleep(pollMillis);
            }
        }
        Thread.currentThread().join(); // the shutdown hook finishes; the JVM exits
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoggerCommand()).execute(args));
    }
}
