package dev.registrycache.common.settings;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A user and password for an upstream. {@link #toString()} never shows the password. */
public record Credentials(String username, String password) {
    public String basicHeaderValue() {
        return "Basic "
                + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[" + username + ", ****]";
    }
}
