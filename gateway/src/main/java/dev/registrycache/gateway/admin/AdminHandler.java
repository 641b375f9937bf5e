package dev.registrycache.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.Json;
import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.settings.AdminUsers;
import dev.registrycache.common.store.Datastore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /admin/}, on the clients' port: for the users {@code ADMIN_USERS}
 * names, signed in with the htpasswd file's passwords. Off (404 saying why) without them; 401
 * with the Basic challenge without valid credentials; 403 for any other user. Every request,
 * whatever its answer, goes to the audit trail.
 */
public final class AdminHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
    /** Every path of the API starts so. */
    public static final String PATHS = "/admin/";
    /** The largest request body read (a quarantine's reason); larger ones get 413. */
    static final int MAX_BODY = 64 * 1024;
    /** How much of a body too large is read and dropped so that its sender gets the 413. */
    static final long MAX_DRAINED = 4L * 1024 * 1024;

    private final Optional<AdminUsers> admins;
    private final UnaryOperator<String> authenticate;
    private final String challenge;
    private final AdminActions actions;
    private final AuditTrail audit;

    /**
     * @param authenticate the user an {@code Authorization} header proves, or null; null itself when
     *     client authentication is off (then so is the API)
     */
    public AdminHandler(
            Optional<AdminUsers> admins,
            UnaryOperator<String> authenticate,
            String challenge,
            Datastore store,
            List<String> servedRegistries,
            Path auditLog,
            Metrics metrics) {
        this.admins = authenticate == null ? Optional.empty() : admins;
        this.authenticate = authenticate;
        this.challenge = challenge;
        this.actions = new AdminActions(store, servedRegistries, Clock.systemUTC());
        this.audit = new AuditTrail(auditLog, metrics);
    }

    public static boolean isAdminPath(String path) {
        return path.startsWith(PATHS) || path.equals("/admin");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
        String method = request.getMethod();
        String path = request.getHttpURI().getDecodedPath();
        String user = null;
        AdminActions.Answer answer = null;
        RegistryException refusal;
        try {
            user = signedInUser(request);
            if (!admins.get().isAdmin(user)) {
                throw new RegistryException(ErrorCode.DENIED, "user " + user + " is not an admin (ADMIN_USERS)");
            }
            AdminRoute route = AdminRoute.of(method, path);
            answer = actions.answer(route, user, registryParameter(request), body(request));
            refusal = null;
        } catch (RegistryException e) {
            refusal = e;
        } catch (IOException | RuntimeException e) {
            LOG.warn("admin request {} {} failed: {}", method, path, Reasons.of(e));
            refusal = new RegistryException(
                    ErrorCode.UNAVAILABLE, "the cache's datastore failed: " + Reasons.of(e), null, -1, e);
        }
        // the trail has the line before the client has the answer
        audit.record(
                user,
                Request.getRemoteAddr(request),
                method,
                path,
                AdminRoute.actionOf(method, path),
                answer != null ? answer.status() : refusal.code().httpStatus(),
                answer != null ? answer.detail() : refusal.getMessage());
        if (answer != null) {
            send(response, callback, answer.status(), method.equals("HEAD") ? null : answer.json());
        } else {
            Map<String, String> headers = refusal.code() == ErrorCode.UNAUTHORIZED
                    ? Map.of(HttpHeader.WWW_AUTHENTICATE.asString(), challenge)
                    : Map.of();
            ErrorResponses.send(request, response, callback, refusal, headers);
        }
        return true;
    }

    /** The user the request is signed in as; the refusal otherwise (the API off, no valid credentials). */
    private String signedInUser(Request request) {
        if (admins.isEmpty()) {
            throw new RegistryException(
                    ErrorCode.NOT_FOUND, "the admin API is off: it needs REGISTRY_AUTH=htpasswd and ADMIN_USERS");
        }
        String user = authenticate.apply(request.getHeaders().get(HttpHeader.AUTHORIZATION));
        if (user == null) {
            throw new RegistryException(ErrorCode.UNAUTHORIZED, "authentication required", null);
        }
        return user;
    }

    private static String registryParameter(Request request) {
        Fields query = Request.extractQueryParameters(request);
        return query.getValue("registry");
    }

    /**
     * The request's JSON body, null when it has none; 413 over {@link #MAX_BODY}, 400 if it is not
     * a JSON object. A body too large is read on (up to {@link #MAX_DRAINED}) before the answer, so
     * that the client, still sending, gets the 413 rather than a connection reset.
     */
    private static JsonNode body(Request request) throws IOException {
        byte[] bytes;
        try (InputStream in = Request.asInputStream(request)) {
            bytes = request.getLength() > MAX_BODY ? null : in.readNBytes(MAX_BODY + 1);
            if (bytes == null || bytes.length > MAX_BODY) {
                drain(in);
                throw new RegistryException(ErrorCode.TOO_LARGE, "the body is larger than " + MAX_BODY + " bytes");
            }
        }
        if (bytes.length == 0) {
            return null;
        }
        try {
            JsonNode json = Json.MAPPER.readTree(bytes);
            if (json == null || !json.isObject()) {
                throw new IOException("not an object");
            }
            return json;
        } catch (IOException e) {
            throw new RegistryException(ErrorCode.REQUEST_INVALID, "the body is not a JSON object");
        }
    }

    /** Reads and drops what is left of a body, up to {@link #MAX_DRAINED}. */
    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[16 * 1024];
        long left = MAX_DRAINED;
        for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) >= 0; ) {
            left -= n;
        }
    }

    private static void send(Response response, Callback callback, int status, Map<String, Object> json)
            throws IOException {
        byte[] bytes = json == null ? new byte[0] : Json.MAPPER.writeValueAsBytes(json);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
