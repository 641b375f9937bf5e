package dev.registrycache.common.settings;

import dev.registrycache.common.InvalidValueException;
import java.time.Duration;
import java.util.Map;

/**
 * {@code UPSTREAM_TAG_DEADLINE}: how long a pull by tag of a tag the cache holds waits for the
 * upstream, a Go duration from 100ms to 60s. Read by the nodes, checked by the supervisor.
 */
public final class TagDeadline {
    private static final Duration MIN = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(60);

    /** The setting's default. */
    public static final Duration DEFAULT = GoDuration.parse(Setting.UPSTREAM_TAG_DEADLINE.defaultValue());

    private TagDeadline() {}

    public static Duration resolve(Map<String, String> env) {
        String value = Setting.UPSTREAM_TAG_DEADLINE.resolve(null, env);
        Duration d;
        try {
            d = GoDuration.parse(value);
        } catch (InvalidValueException e) {
            throw new ConfigException("UPSTREAM_TAG_DEADLINE: " + e.getMessage());
        }
        if (d.compareTo(MIN) < 0 || d.compareTo(MAX) > 0) {
            throw new ConfigException("UPSTREAM_TAG_DEADLINE: '" + value + "' is out of range (100ms to 60s)");
        }
        return d;
    }
}
