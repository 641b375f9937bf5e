package dev.registrycache.gateway;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.settings.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The users of an htpasswd file with bcrypt hashes ({@code htpasswd -B}: $2y$, $2b$, $2a$). */
record Htpasswd(Map<String, String> users) {
    private static final Logger LOG = LoggerFactory.getLogger(Htpasswd.class);

    static Htpasswd read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("htpasswd file " + file + " (REGISTRY_AUTH_HTPASSWD_PATH): file not found");
        } catch (IOException e) {
            throw new ConfigException(
                    "htpasswd file " + file + " (REGISTRY_AUTH_HTPASSWD_PATH): cannot read: " + Reasons.of(e));
        }
        Map<String, String> users = new LinkedHashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int colon = l.indexOf(':');
            String hash = colon < 0 ? "" : l.substring(colon + 1);
            if (colon <= 0 || !(hash.startsWith("$2y$") || hash.startsWith("$2b$") || hash.startsWith("$2a$"))) {
                LOG.warn("htpasswd file {} line {}: not a user with a bcrypt hash (htpasswd -B); ignored", file, n);
                continue;
            }
            users.put(l.substring(0, colon), hash);
        }
        return new Htpasswd(Collections.unmodifiableMap(users));
    }
}
