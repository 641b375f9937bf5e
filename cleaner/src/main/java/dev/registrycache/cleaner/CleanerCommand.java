package dev.registrycache.cleaner;

import dev.registrycache.common.ByteSize;
import dev.registrycache.common.CleanerSettings;
import dev.registrycache.common.ConfigException;
import dev.registrycache.common.GoDuration;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.LogDirLayout;
import dev.registrycache.common.Metrics;
import dev.registrycache.common.Setting;
import dev.registrycache.common.Startup;
import dev.registrycache.common.cli.FolderOptions;
import dev.registrycache.common.store.FileDatastore;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code registry-cache.jar cleaner}: keeps the blob store under CLEANER_MAXSIZE. */
@Command(
        name = "cleaner",
        mixinStandardHelpOptions = true,
        description = {
            "Keeps the blob store under CLEANER_MAXSIZE by evicting least recently used blobs.",
            "Every CLEANER_RUNEVERY_TIME (default 30m): when the blob store, with the blobs being fetched, is "
                    + "larger than CLEANER_MAXSIZE (default 10G) plus CLEANER_THRESHOLD_PERCENTAGE (default 20) "
                    + "percent, deletes blobs least recently used first until it is at or under CLEANER_MAXSIZE, "
                    + "sparing blobs used or written within the grace period; then removes links, tags and folders "
                    + "left dangling. Temporary files of transfers that died are removed on every pass. One summary "
                    + "line per pass."
        })
public final class CleanerCommand implements Callable<Integer> {
    /** How often registry_cache_store_bytes is measured between cleaning passes. */
    private static final Duration SIZE_REFRESH = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(CleanerCommand.class);

    @Mixin
    FolderOptions folders;

    @Option(names = "--once", description = "one pass, then exit")
    boolean once;

    @Option(
            names = "--dry-run",
            description = "print what would be deleted, with sizes; delete nothing (implies --once)")
    boolean dryRun;

    @Option(
            names = "--grace",
            paramLabel = "DURATION",
            defaultValue = "10m",
            description = "never delete a blob used or written this recently (Go duration, default 10m)")
    String grace;

    @Override
    public Integer call() throws Exception {
        return Startup.component(
                "cleaner", () -> new Configured(CleanerSettings.from(System.getenv()), graceTime()), this::run);
    }

    private record Configured(CleanerSettings settings, Duration grace) {}

    private Duration graceTime() {
        try {
            return GoDuration.parse(grace);
        } catch (InvalidValueException e) {
            throw new ConfigException("--grace '" + grace + "': " + e.getMessage());
        }
    }

    private int run(Configured configured) throws Exception {
        Map<String, String> env = System.getenv();
        ByteSize max = configured.settings().maxSize();
        int threshold = configured.settings().thresholdPercentage();
        Duration every = configured.settings().runEvery();
        Duration graceTime = configured.grace();
        Path data = Path.of(Setting.DATA_DIR.resolve(folders.dataDirFlag(), env));
        FileDatastore store = new FileDatastore(data);
        Cleaner cleaner = new Cleaner(store, max, threshold, graceTime, System.out);
        if (dryRun) {
            cleaner.run(true); // deletes nothing: needs no turn
            return 0;
        }
        CleanerLease lease =
                new CleanerLease(store, holderName(), configured.settings().leaseTerm(), Clock.systemUTC());
        cleaner.whileHolding(lease::held);
        Runtime.getRuntime().addShutdownHook(new Thread(lease::close, "cleaner-lease-release"));
        if (once) {
            try (lease) {
                if (!lease.acquire()) {
                    System.out.println("another replica holds the cleaner lease and cleans: nothing done");
                    return 0;
                }
                cleaner.run(false);
            }
            return 0;
        }
        Path metricsFile =
                new LogDirLayout(Path.of(Setting.LOG_DIR.resolve(folders.logDirFlag(), env))).cleanerMetrics();
        Metrics metrics = new Metrics();
        CleanerMetrics cleanerMetrics = CleanerMetrics.in(metrics);
        LOG.info(
                "cleaner for {}: every {}, max {}, threshold {}%, grace {}",
                data.toAbsolutePath(),
                every == null ? "off (CLEANER_RUNEVERY_TIME=off: a CronJob cleans)" : every,
                max,
                threshold,
                graceTime);
        cleanerMetrics.maxBytes().set(max.bytes());
        long nextPass = System.nanoTime();
        while (true) {
            try {
                boolean due = every != null && System.nanoTime() - nextPass >= 0;
                if (due && !lease.acquire()) {
                    nextPass = System.nanoTime() + every.toNanos(); // another replica's turn
                } else if (due) {
                    Cleaner.Pass pass = cleaner.run(false);
                    nextPass = System.nanoTime() + every.toNanos();
                    cleanerMetrics.passes().labels().add(1);
                    cleanerMetrics.evictedBlobs().labels().add(pass.deleted());
                    cleanerMetrics.evictedBytes().labels().add(pass.freed());
                    cleanerMetrics.storeBytes().set(pass.after());
                } else {
                    cleanerMetrics
                            .storeBytes()
                            .set(cleaner.storeBytes()); // between passes the gauge follows the store as it fills
                }
                metrics.writeTo(metricsFile);
            } catch (Exception e) {
                LOG.warn("cleaning pass failed: {}", e.toString());
                nextPass = System.nanoTime() + (every == null ? 0 : every.toNanos());
            }
            long untilPass = every == null ? Long.MAX_VALUE : (nextPass - System.nanoTime()) / 1_000_000;
            Thread.sleep(Math.max(1, Math.min(SIZE_REFRESH.toMillis(), untilPass)));
        }
    }

    /** This cleaner's name as a lease holder: host, process and a random part, in letters, digits, '.' and '-'. */
    static String holderName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "host";
        }
        host = host.replaceAll("[^A-Za-z0-9.-]", "-");
        if (host.length() > 64) {
            host = host.substring(0, 64);
        }
        return host + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CleanerCommand()).execute(args));
    }
}
