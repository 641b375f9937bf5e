package dev.registrycache.common.settings;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.Json;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.oci.RegistryHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The pull secret: {@code {"auths":{"<registry>":{"auth":"base64(user:pass)"}}}}, as OpenShift,
 * Docker and podman write it. Keys are normalised ({@link RegistryHost}); an entry without
 * {@code auth} (or {@code username}/{@code password}) is anonymous. Errors name the file and the
 * entry, never a credential.
 */
public final class PullSecret {
    private final Map<RegistryHost, Optional<Credentials>> entries;

    private PullSecret(Map<RegistryHost, Optional<Credentials>> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    public static PullSecret read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("pull secret " + file + " (PULL_SECRET): file not found");
        } catch (IOException e) {
            throw new ConfigException("pull secret " + file + " (PULL_SECRET): cannot read: " + Reasons.of(e));
        }
        return parse(bytes, file.toString());
    }

    static PullSecret parse(byte[] bytes, String source) {
        String where = "pull secret " + source + " (PULL_SECRET)";
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new ConfigException(where + ": not valid JSON");
        }
        if (root == null || !root.isObject() || !root.path("auths").isObject()) {
            throw new ConfigException(where + ": expected an object {\"auths\":{...}}");
        }
        Map<RegistryHost, Optional<Credentials>> entries = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.get("auths").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            RegistryHost host;
            try {
                host = RegistryHost.fromKey(key);
            } catch (InvalidValueException ex) {
                throw new ConfigException(where + ": entry '" + key + "': " + ex.getMessage());
            }
            Optional<Credentials> creds = credentialsOf(e.getValue(), where + ": entry '" + key + "'");
            Optional<Credentials> previous = entries.putIfAbsent(host, creds);
            if (previous != null && !previous.equals(creds)) {
                throw new ConfigException(where + ": entries for " + host + " appear twice with different credentials");
            }
        }
        return new PullSecret(entries);
    }

    private static Optional<Credentials> credentialsOf(JsonNode entry, String where) {
        if (!entry.isObject()) {
            throw new ConfigException(where + ": expected an object");
        }
        JsonNode auth = entry.get("auth");
        if (auth != null && !auth.isNull() && !auth.asText().isEmpty()) {
            if (!auth.isTextual()) {
                throw new ConfigException(where + ": 'auth' is not a string");
            }
            String decoded;
            try {
                decoded =
                        new String(Base64.getMimeDecoder().decode(auth.asText().trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(where + ": 'auth' is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException(where + ": 'auth' is not base64 of user:password");
            }
            return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
        }
        JsonNode user = entry.get("username");
        JsonNode password = entry.get("password");
        if (user != null && user.isTextual() && !user.asText().isEmpty()) {
            if (password == null || !password.isTextual()) {
                throw new ConfigException(where + ": 'username' without 'password'");
            }
            return Optional.of(new Credentials(user.asText(), password.asText()));
        }
        return Optional.empty();
    }

    /** Registries in file order with their credentials (empty: anonymous). */
    public Map<RegistryHost, Optional<Credentials>> entries() {
        return entries;
    }

    /** The entry for {@code host}, or throws a {@link ConfigException} naming the file. */
    public Optional<Credentials> credentialsFor(RegistryHost host, String source) {
        Optional<Credentials> c = entries.get(host);
        if (c == null) {
            throw new ConfigException("pull secret " + source + " (PULL_SECRET) has no entry for " + host);
        }
        return c;
    }
}
