package dev.registrycache.gateway.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.logdir.LogDirLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every admin request, allowed or refused, in its own file of the log dir: one JSON object a
 * line with who (the htpasswd user, or {@code -} before one was known), from where, what, when,
 * and the result; and counted in {@code /metrics} by action and result. Written before the
 * answer is complete, and synchronously: admin requests are few, and a trail that loses lines is
 * no trail. The file is rotated to {@code .1} past {@link #ROTATE_BYTES}.
 */
final class AuditTrail {
    private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
    private static final JsonFactory JSON = new JsonFactory();
    static final long ROTATE_BYTES = 16L * 1024 * 1024;

    private final Path file;
    private final Metrics.Counter actions;

    AuditTrail(Path file, Metrics metrics) {
        this.file = file;
        this.actions = metrics.counter(
                "registry_cache_admin_actions_total",
                "Admin API requests, by action (list, purge, pin, unpin, quarantine, release, unknown) and result "
                        + "(ok, refused: no credentials or not an admin, invalid, not_found, conflict, error)",
                "action",
                "result");
    }

    /** One admin request: {@code user} null when none was authenticated; {@code detail} what it did or why not. */
    synchronized void record(
            String user,
            String client,
            String method,
            String path,
            AdminRoute.Action action,
            int status,
            String detail) {
        String result = result(status);
        actions.labels(action.word(), result).add(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.now().toString());
            g.writeStringField("user", user == null ? "-" : user);
            g.writeStringField("client", client);
            g.writeStringField("method", method);
            g.writeStringField("path", path);
            g.writeStringField("action", action.word());
            g.writeNumberField("status", status);
            g.writeStringField("result", result);
            if (detail != null) {
                g.writeStringField("detail", detail);
            }
            g.writeEndObject();
        } catch (IOException e) {
            return;
        }
        out.write('\n');
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (Files.exists(file) && Files.size(file) > ROTATE_BYTES) {
                Files.move(file, LogDirLayout.rotated(file), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.write(file, out.toByteArray(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn(
                    "cannot write the admin audit trail {} ({}): {}",
                    file,
                    Reasons.of(e),
                    out.toString().trim());
        }
    }

    static String result(int status) {
        return switch (status / 100) {
            case 2 -> "ok";
            case 5 -> "error";
            default ->
                switch (status) {
                    case 401, 403 -> "refused";
                    case 404 -> "not_found";
                    case 409 -> "conflict";
                    default -> "invalid";
                };
        };
    }
}
