package dev.registrycache.cleaner;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.cli.FolderOptions;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.settings.ByteSize;
import dev.registrycache.common.settings.CleanerSettings;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.GoDuration;
import dev.registrycache.common.settings.Setting;
import dev.registrycache.common.startup.Startup;
import dev.registrycache.common.startup.SupervisorWatch;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.common.store.StoreLocation;
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
    private static final Logger LOG = LoggerFactory.getLogger(CleanerCommand.class);

    @Mixin
    FolderOptions folders;

    /**
     * The exit status of {@code --scheduled} when another replica holds the lease: EX_TEMPFAIL,
     * try again later (the supervisor does, after the lease's term).
     */
    public static final int LEASE_HELD = 75;

    @Option(names = "--once", description = "one pass, then exit")
    boolean once;

    @Option(
            names = "--scheduled",
            description = "one pass as the supervisor runs it every CLEANER_RUNEVERY_TIME: as --once, and its counts "
                    + "go on from <log-dir>/cleaner.prom, which it updates; exits " + LEASE_HELD
                    + " when another replica holds the cleaner lease")
    boolean scheduled;

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
        return Startup.component("cleaner", this::configure, this::run);
    }

    private Configured configure() {
        Map<String, String> env = System.getenv();
        return new Configured(
                CleanerSettings.from(env),
                graceTime(),
                StoreLocation.of(Path.of(Setting.DATA_DIR.resolve(folders.dataDirFlag(), env)), env));
    }

    private record Configured(CleanerSettings settings, Duration grace, StoreLocation store) {}

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
        Metrics metrics = new Metrics();
        Datastore store = configured.store().open("cleaner", metrics);
        Cleaner cleaner = new Cleaner(store, max, threshold, graceTime, System.out);
        if (dryRun) {
            cleaner.run(true); // deletes nothing: needs no turn
            return 0;
        }
        CleanerLease lease =
                new CleanerLease(store, holderName(), configured.settings().leaseTerm(), Clock.systemUTC());
        cleaner.whileHolding(lease::held);
        Runtime.getRuntime().addShutdownHook(new Thread(lease::close, "cleaner-lease-release"));
        SupervisorWatch.beforeHalt(lease::close); // killed with its supervisor: the next start cleans at once
        if (once) {
            try (lease) {
                switch (lease.acquire()) {
                    case ANOTHER_REPLICA -> {
                        System.out.println("another replica holds the cleaner lease and cleans: nothing done");
                        return 0;
                    }
                    case UNKNOWN -> {
                        System.err.println("cannot take the cleaner lease (the WARN above says why): nothing done");
                        return 1;
                    }
                    case THIS_CLEANER -> cleaner.run(false);
                }
            }
            return 0;
        }
        Path metricsFile =
                new LogDirLayout(Path.of(Setting.LOG_DIR.resolve(folders.logDirFlag(), env))).cleanerMetrics();
        if (scheduled) {
            return scheduledPass(
                    lease, new CleaningLoop(cleaner, lease, every, metrics, metricsFile, System::nanoTime));
        }
        LOG.info(
                "cleaner for {}: every {}, max {}, threshold {}%, grace {}",
                configured.store().describe(),
                every == null ? "off (CLEANER_RUNEVERY_TIME=off: a CronJob cleans)" : every,
                max,
                threshold,
                graceTime);
        new CleaningLoop(cleaner, lease, every, metrics, metricsFile, System::nanoTime).run();
        return 0;
    }

    /**
     * One pass of the supervisor's schedule, in a process of its own so that no cleaner stays in
     * memory between passes: the counters go on from the previous pass's metrics file, and the
     * lease is given up when the pass ends (also on SIGTERM, and before a halt when the
     * supervisor is gone). Returns 0 after a pass, {@link #LEASE_HELD} when it was another
     * replica's turn, 1 when the lease could not be taken or the pass failed.
     */
    private static int scheduledPass(CleanerLease lease, CleaningLoop loop) {
        try (lease) {
            return switch (loop.singlePass()) {
                case THIS_CLEANER -> 0;
                case ANOTHER_REPLICA -> LEASE_HELD;
                case UNKNOWN -> 1;
            };
        } catch (IOException | RuntimeException e) {
            LOG.warn("cleaning pass failed: {}", Reasons.of(e));
            return 1;
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
