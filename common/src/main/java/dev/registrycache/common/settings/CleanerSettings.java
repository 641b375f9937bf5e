package dev.registrycache.common.settings;

import dev.registrycache.common.InvalidValueException;
import java.time.Duration;
import java.util.Map;

/**
 * The cleaner's settings from the environment, parsed here only: the supervisor validates them
 * before it starts anything, and the cleaner runs with them.
 */
public record CleanerSettings(ByteSize maxSize, int thresholdPercentage, Duration runEvery, Duration leaseTerm) {

    /**
     * Reads CLEANER_MAXSIZE, CLEANER_THRESHOLD_PERCENTAGE, CLEANER_RUNEVERY_TIME (a duration, or
     * {@code off}: no passes, as when a Kubernetes CronJob runs {@code cleaner --once}; then
     * {@link #runEvery()} is null) and CLEANER_LEASE_TERM; a bad value names its variable.
     */
    public static CleanerSettings from(Map<String, String> env) {
        String max = Setting.CLEANER_MAXSIZE.resolve(null, env);
        ByteSize maxSize;
        try {
            maxSize = ByteSize.parseStoreLimit(max);
        } catch (InvalidValueException e) {
            throw new ConfigException("CLEANER_MAXSIZE: " + e.getMessage());
        }
        int percentage =
                Setting.CLEANER_THRESHOLD_PERCENTAGE.resolveInt(null, env, 0, Integer.MAX_VALUE, "a whole percentage");
        String every = Setting.CLEANER_RUNEVERY_TIME.resolve(null, env);
        Duration runEvery = every.trim().equalsIgnoreCase("off") ? null : positive("CLEANER_RUNEVERY_TIME", every);
        String term = Setting.CLEANER_LEASE_TERM.resolve(null, env);
        Duration leaseTerm = positive("CLEANER_LEASE_TERM", term);
        if (leaseTerm.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new ConfigException("CLEANER_LEASE_TERM: '" + term + "': must be at least 3s");
        }
        return new CleanerSettings(maxSize, percentage, runEvery, leaseTerm);
    }

    private static Duration positive(String variable, String value) {
        try {
            Duration d = GoDuration.parse(value);
            if (d.isZero()) {
                throw new InvalidValueException("must be longer than 0");
            }
            return d;
        } catch (InvalidValueException e) {
            throw new ConfigException(variable + ": '" + value + "': " + e.getMessage());
        }
    }
}
