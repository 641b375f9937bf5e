package dev.registrycache.common.settings;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.RegistryHost;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long a tag's answer from the upstream is trusted before the cache asks again
 * ({@code TAG_TTL}): space separated entries, a Go duration for every registry and
 * {@code registry=duration} for one, e.g. {@code 1m docker.io=5m quay.io=0s}; {@code 0s} asks on
 * every pull. Within the TTL a pull by tag costs no upstream request; a tag re-pointed upstream is
 * seen up to the TTL later.
 */
public record TagTtls(Duration everyRegistry, Map<RegistryHost, Duration> perRegistry) {
    public TagTtls {
        perRegistry = Map.copyOf(perRegistry);
    }

    /** The setting's value; null or blank: the default. */
    public static TagTtls parse(String value) {
        String text = value == null || value.isBlank() ? Setting.TAG_TTL.defaultValue() : value.trim();
        Duration all = null;
        Map<RegistryHost, Duration> per = new LinkedHashMap<>();
        for (String entry : text.split("\\s+")) {
            int eq = entry.indexOf('=');
            if (eq < 0) {
                if (all != null) {
                    throw RegistryEntries.bad(Setting.TAG_TTL, entry, "a second duration for every registry");
                }
                all = duration(entry);
                continue;
            }
            for (RegistryEntries.Entry e : RegistryEntries.parse(Setting.TAG_TTL, entry, "registry=duration")) {
                if (per.put(e.registry(), duration(e.value(), e.text())) != null) {
                    throw RegistryEntries.bad(Setting.TAG_TTL, e.text(), e.registry() + " is given twice");
                }
            }
        }
        return new TagTtls(all == null ? GoDuration.parse(Setting.TAG_TTL.defaultValue()) : all, per);
    }

    /** The TTL of {@code registry}'s tags. */
    public Duration of(RegistryHost registry) {
        return perRegistry.getOrDefault(registry, everyRegistry);
    }

    private static Duration duration(String text) {
        return duration(text, text);
    }

    private static Duration duration(String value, String entry) {
        try {
            return GoDuration.parse(value);
        } catch (InvalidValueException e) {
            throw RegistryEntries.bad(Setting.TAG_TTL, entry, e.getMessage());
        }
    }
}
