package dev.registrycache.logger;

import dev.registrycache.common.Setting;
import dev.registrycache.common.StoreLayout;
import dev.registrycache.common.SupervisorWatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code registry-cache.jar logger}: follows the nodes' access logs and sets blob access times. */
@Command(name = "logger", mixinStandardHelpOptions = true,
        description = {"Follows every node access log in the log dir (node-*.access.log, also those that",
                "appear later; rotation and truncation handled) and sets the access time of each blob a",
                "successful request used, and of everything a used manifest references. The cleaner",
                "evicts by these times. Remembers its place in each file across restarts."})
public final class LoggerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerCommand.class);

    @Option(names = "--log-dir", paramLabel = "DIR", description = "access logs (env LOG_DIR, default /var/log/registry-cache)")
    String logDir;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "datastore (env DATA_DIR, default /var/lib/registry)")
    String dataDir;

    @Option(names = "--state-file", paramLabel = "FILE",
            description = "where the positions in the logs are kept (default <log-dir>/.logger-state.json)")
    String stateFile;

    @Option(names = "--poll-millis", paramLabel = "MS", defaultValue = "250", description = "how often to look for new lines")
    long pollMillis;

    @Override
    public Integer call() throws Exception {
        SupervisorWatch.startIfSupervised();
        Path logs = Path.of(Setting.LOG_DIR.resolve(logDir, System.getenv()));
        Path data = Path.of(Setting.DATA_DIR.resolve(dataDir, System.getenv()));
        Files.createDirectories(logs);
        TailState state = new TailState(stateFile != null ? Path.of(stateFile) : logs.resolve(".logger-state.json"));
        AccessToucher toucher = new AccessToucher(new StoreLayout(data));
        LogTailer tailer = new LogTailer(logs, state.load(), toucher::accept, toucher::flush);
        Object lock = new Object();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (lock) {
                try {
                    state.save(tailer.positions());
                } catch (Exception e) {
                    LOG.warn("cannot save positions: {}", e.toString());
                }
                tailer.close();
            }
        }, "logger-shutdown"));
        LOG.info("logger following {} for the datastore {}", logs, data);
        long lastSave = 0;
        Object saved = null;
        while (true) {
            boolean behind;
            synchronized (lock) { // a poll is bounded, so a shutdown waits for one at most
                behind = tailer.poll();
                var positions = tailer.positions();
                if (System.currentTimeMillis() - lastSave > 1000 && !positions.equals(saved)) {
                    state.save(positions); // also while catching up on a backlog
                    saved = positions;
                    lastSave = System.currentTimeMillis();
                }
            }
            if (!behind) {
                Thread.sleep(pollMillis);
            }
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoggerCommand()).execute(args));
    }
}
