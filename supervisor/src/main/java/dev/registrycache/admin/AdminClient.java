package dev.registrycache.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.client.CacheAccess;
import dev.registrycache.client.CacheFailure;
import dev.registrycache.client.CacheHttp;
import dev.registrycache.common.Json;
import java.io.IOException;
import org.eclipse.jetty.client.BytesRequestContent;

/**
 * The admin API as the {@code admin} commands ask it: one {@link AdminRequest} sent with the
 * user's credentials, its JSON answer read, and every status but 2xx turned into an {@link
 * AdminRefusal}.
 */
final class AdminClient implements AutoCloseable {
    private static final String JSON = "application/json";
    /** The largest answer read: a listing of many thousand repositories fits. */
    private static final int MAX_ANSWER_BYTES = 64 << 20;

    private final CacheHttp http;

    AdminClient(CacheAccess access) {
        this.http = new CacheHttp(access, "admin");
    }

    void start() throws Exception {
        http.start();
    }

    AdminAnswer send(AdminRequest request) throws CacheFailure {
        BytesRequestContent content = request.body() == null ? null : new BytesRequestContent(JSON, request.body());
        try (CacheHttp.Answer answer = http.send(request.method(), request.path(), JSON, content)) {
            if (answer.status() / 100 != 2) {
                throw AdminRefusal.of(
                        answer.status(),
                        answer.bodyOrEmpty(),
                        answer.challenged(),
                        http.access().username());
            }
            byte[] body = answer.body(MAX_ANSWER_BYTES + 1);
            if (body.length > MAX_ANSWER_BYTES) {
                throw new CacheFailure("the cache's answer is larger than " + (MAX_ANSWER_BYTES >> 20) + " MiB");
            }
            return new AdminAnswer(answer.status(), body, object(body, answer.status()));
        }
    }

    private static JsonNode object(byte[] body, int status) throws CacheFailure {
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            if (json != null && json.isObject()) {
                return json;
            }
        } catch (IOException notJson) {
            // said below
        }
        throw new CacheFailure("the cache answered HTTP " + status + " without the JSON object the admin API sends");
    }

    @Override
    public void close() throws Exception {
        http.close();
    }
}
