package dev.registrycache.common;

import java.time.Duration;
import java.util.Map;

/**
 * The cleaner's settings from the environment, parsed here only: the supervisor validates them
 * before it starts anything, and the cleaner runs with them.
 */
public record CleanerSettings(ByteSize maxSize, int thresholdPercentage, Duration runEvery) {

    /** Reads CLEANER_MAXSIZE, CLEANER_THRESHOLD_PERCENTAGE and CLEANER_RUNEVERY_TIME; a bad value names its variable. */
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
        Duration runEvery;
        try {
            runEvery = GoDuration.parse(every);
            if (runEvery.isZero()) {
                throw new InvalidValueException("must be longer than 0");
            }
        } catch (InvalidValueException e) {
            throw new ConfigException("CLEANER_RUNEVERY_TIME: '" + every + "': " + e.getMessage());
        }
        return new CleanerSettings(maxSize, percentage, runEvery);
    }
}
