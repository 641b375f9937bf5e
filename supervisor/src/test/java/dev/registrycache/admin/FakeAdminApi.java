package dev.registrycache.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.registrycache.common.oci.ErrorBody;
import dev.registrycache.common.oci.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test double of our own admin API (its spec in issue 25) on 127.0.0.1, for the
 * CLI's unit tests: who may call it as the spec says (off without admins: 404 NOT_FOUND; no or
 * wrong Basic credentials: 401 with {@code WWW-Authenticate}; a user who is no admin: 403 DENIED),
 * then the answer the test gave for the request's method and path, or 404 NOT_FOUND for a route it
 * did not give. Records every request it got. The end-to-end test against the gateway is the lead's.
 */
final class FakeAdminApi implements AutoCloseable {
    /** A request as it arrived: raw path with its query, and what the CLI sent with it. */
    record Seen(String method, String path, String authorization, String contentType, String body) {}

    private record Canned(int status, String json) {}

    private final Map<String, String> passwords;
    private final Set<String> admins;
    private final Map<String, Canned> answers = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private volatile Canned everything;

    /** The API of a cache whose htpasswd holds {@code passwords} (user to password), with {@code admins}. */
    FakeAdminApi(Map<String, String> passwords, Set<String> admins) throws IOException {
        this.passwords = passwords;
        this.admins = admins;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The answer to {@code method} on {@code path} (from {@code /admin/v1/}, with its query). */
    FakeAdminApi answer(String method, String path, int status, String json) {
        answers.put(method + " " + path, new Canned(status, json));
        return this;
    }

    /** {@code status} and {@code json} for every request an admin makes: for tests of what the CLI sends. */
    FakeAdminApi answerEverything(int status, String json) {
        everything = new Canned(status, json);
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null
                            ? ""
                            : "?" + exchange.getRequestURI().getRawQuery());
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            seen.add(new Seen(
                    exchange.getRequestMethod(),
                    path,
                    authorization,
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            String user = user(authorization);
            if (admins.isEmpty()) {
                send(
                        exchange,
                        404,
                        error(
                                ErrorCode.NOT_FOUND,
                                "the admin API is off: it needs REGISTRY_AUTH=htpasswd and ADMIN_USERS"));
            } else if (user == null) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"Registry Realm\"");
                send(exchange, 401, error(ErrorCode.UNAUTHORIZED, null));
            } else if (!admins.contains(user)) {
                send(exchange, 403, error(ErrorCode.DENIED, "user " + user + " is not an admin"));
            } else {
                Canned canned = everything != null ? everything : answers.get(exchange.getRequestMethod() + " " + path);
                if (canned == null) {
                    send(exchange, 404, error(ErrorCode.NOT_FOUND, "no such route"));
                } else {
                    send(exchange, canned.status(), canned.json());
                }
            }
        }
    }

    /** The user whose Basic credentials match, or null. */
    private String user(String authorization) {
        if (authorization == null || !authorization.startsWith("Basic ")) {
            return null;
        }
        String pair = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        String user = pair.substring(0, Math.max(colon, 0));
        return colon > 0 && pair.substring(colon + 1).equals(passwords.get(user)) ? user : null;
    }

    private static String error(ErrorCode code, String message) {
        return new String(ErrorBody.of(code, message, null), StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
