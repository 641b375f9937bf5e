package dev.registrycache.common.settings;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.RegistryHost;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings made of space separated {@code name=value} entries, one registry (a pull-secret key)
 * each, such as {@code UPSTREAM_ENDPOINTS} and {@code UPSTREAM_TRUSTED_REALMS}: one parser, and one
 * way of naming the variable and the entry that is wrong.
 */
public final class RegistryEntries {
    /** One entry: its registry, its value, and its text as written (for error messages). */
    public record Entry(RegistryHost registry, String value, String text) {}

    private RegistryEntries() {}

    /**
     * The entries of {@code setting}'s {@code value} (null or blank: none); {@code form} is what
     * an entry looks like, e.g. {@code name=url}.
     */
    public static List<Entry> parse(Setting setting, String value, String form) {
        List<Entry> entries = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return entries;
        }
        for (String text : value.trim().split("\\s+")) {
            int eq = text.indexOf('=');
            if (eq <= 0 || eq == text.length() - 1) {
                throw bad(setting, text, "expected " + form);
            }
            try {
                entries.add(new Entry(RegistryHost.fromKey(text.substring(0, eq)), text.substring(eq + 1), text));
            } catch (InvalidValueException e) {
                throw bad(setting, text, e.getMessage());
            }
        }
        return entries;
    }

    /** The error for a wrong entry; credentials in a URL ({@code //user:pass@}) are masked. */
    public static ConfigException bad(Setting setting, String text, String why) {
        String shown = text.replaceAll("//[^/@]*@", "//****@");
        return new ConfigException(setting.env() + ": entry '" + shown + "': " + why);
    }
}
