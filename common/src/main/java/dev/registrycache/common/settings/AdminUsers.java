package dev.registrycache.common.settings;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may use the admin API: names of the htpasswd file's users, from {@code ADMIN_USERS}. The
 * API is never open: without htpasswd authentication the setting is refused, and without the
 * setting the API is off.
 */
public record AdminUsers(Set<String> names) {
    public AdminUsers {
        names = Set.copyOf(names);
    }

    public boolean isAdmin(String user) {
        return user != null && names.contains(user);
    }

    /** The admin users, or empty when {@code ADMIN_USERS} is unset; {@code htpasswd}: client authentication is on. */
    public static Optional<AdminUsers> resolve(Map<String, String> env, boolean htpasswd) {
        String value = Setting.ADMIN_USERS.resolve(null, env);
        if (value == null) {
            return Optional.empty();
        }
        if (!htpasswd) {
            throw new ConfigException("ADMIN_USERS needs REGISTRY_AUTH=htpasswd: admin users sign in with the htpasswd "
                    + "file's passwords, and the admin API is never open without them");
        }
        Set<String> names = new TreeSet<>();
        for (String part : value.split(",")) {
            String name = part.trim();
            if (name.isEmpty() || name.contains(":") || name.chars().anyMatch(Character::isWhitespace)) {
                throw new ConfigException("ADMIN_USERS: '" + part.trim()
                        + "' is not an htpasswd user name (expected names separated by commas)");
            }
            names.add(name);
        }
        return Optional.of(new AdminUsers(names));
    }
}
