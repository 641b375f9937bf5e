package dev.registrycache.common.settings;

import dev.registrycache.common.Reasons;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The secret that makes a node's port usable by the gateway only. Nodes listen on 127.0.0.1
 * without client authentication; without this, any local process could pull through a node and
 * bypass the gateway's htpasswd. The gateway sends the token in {@value #HEADER} on every request
 * to a node, and a node given a token refuses requests without it. The supervisor makes a new
 * random token at every start and hands it to its children in {@value #ENV} (environments are
 * readable only by the same uid and root); systemd units read it from the file named by
 * {@code NODE_TOKEN_FILE}.
 */
public final class NodeToken {
    public static final String HEADER = "X-Registry-Cache-Node-Token";
    /** How the supervisor passes the token to its children. */
    public static final String ENV = "RC_NODE_TOKEN";

    private static final int MIN_LENGTH = 16;

    private final byte[] value;

    private NodeToken(String value) {
        this.value = value.getBytes(StandardCharsets.US_ASCII);
    }

    /** 32 random bytes, base64url. */
    public static NodeToken random() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return new NodeToken(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /**
     * The token from {@value #ENV}, else from the file named by NODE_TOKEN_FILE, else none (a node
     * then answers any local process: only for running a node by hand).
     */
    public static Optional<NodeToken> fromEnvironment(Map<String, String> env) {
        String direct = env.get(ENV);
        if (direct != null && !direct.isBlank()) {
            return Optional.of(checked(direct.trim(), ENV));
        }
        String file = Setting.NODE_TOKEN_FILE.resolve(null, env);
        if (file == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(checked(
                    Files.readString(Path.of(file), StandardCharsets.US_ASCII).trim(), "NODE_TOKEN_FILE " + file));
        } catch (IOException e) {
            throw new ConfigException("NODE_TOKEN_FILE " + file + ": cannot be read (" + Reasons.of(e)
                    + "); make it with: head -c 32 /dev/urandom | base64 > " + file);
        }
    }

    private static NodeToken checked(String text, String where) {
        if (text.length() < MIN_LENGTH || !text.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new ConfigException(where + ": the node token must be at least " + MIN_LENGTH
                    + " printable characters without spaces, e.g. head -c 32 /dev/urandom | base64");
        }
        return new NodeToken(text);
    }

    /** The header value to send. */
    public String value() {
        return new String(value, StandardCharsets.US_ASCII);
    }

    /** Whether a request's header value is this token (compared in constant time). */
    public boolean matches(String header) {
        return header != null && MessageDigest.isEqual(value, header.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "NodeToken[hidden]";
    }
}
