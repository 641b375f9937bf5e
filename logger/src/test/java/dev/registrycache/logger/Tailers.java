package dev.registrycache.logger;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.logdir.AccessLogFormat;
import dev.registrycache.common.store.Datastore;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The logger's parts as its tests build them: what they skip is counted in metrics nobody reads
 * ({@link AccessToucherTest}, about those metrics, builds its own).
 */
final class Tailers {
    private Tailers() {}

    /** Skips counted in metrics of their own. */
    static Skips skips() {
        return new Skips(LoggerMetrics.in(new Metrics()));
    }

    static LogTailer tailer(Path logDir, Map<String, TailState.Position> saved, Consumer<AccessLogFormat.Access> sink) {
        return tailer(logDir, saved, sink, LogTailer.POLL_BYTES);
    }

    /** {@code pollBytes}: how much of each file one poll reads at most. */
    static LogTailer tailer(
            Path logDir, Map<String, TailState.Position> saved, Consumer<AccessLogFormat.Access> sink, int pollBytes) {
        return new LogTailer(logDir, saved, sink, pollBytes, skips());
    }

    static AccessToucher toucher(Datastore datastore) {
        return new AccessToucher(datastore, skips());
    }
}
