package dev.registrycache.common.http;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.oci.ErrorBody;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** The one place that turns typed errors into OCI error responses. */
public final class ErrorResponses {
    private ErrorResponses() {}

    public static void send(Request request, Response response, Callback callback, RegistryException e) {
        send(request, response, callback, e, Map.of());
    }

    /**
     * Sends the error with extra response headers, such as a {@code WWW-Authenticate} challenge,
     * and notes its code in the request's access-log facts.
     */
    public static void send(
            Request request, Response response, Callback callback, RegistryException e, Map<String, String> headers) {
        RequestFacts.of(request).error = e.code().name();
        if (response.isCommitted()) {
            // headers (and maybe bytes) are out: all that is left is to break the transfer off
            callback.failed(e);
            return;
        }
        response.reset();
        response.setStatus(e.code().httpStatus());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.getHeaders().put("Docker-Distribution-API-Version", "registry/2.0");
        if (e.retryAfterSeconds() > 0) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        }
        headers.forEach(response.getHeaders()::put);
        byte[] body = ErrorBody.of(e);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        boolean head = "HEAD".equals(request.getMethod());
        response.write(true, head ? null : ByteBuffer.wrap(body), callback);
    }

    /**
     * Answers a request that failed with {@code failure}: a {@link RegistryException} as its OCI
     * error, anything else as an internal error, logged unless the transfer was merely broken off
     * (the response committed). Notes the error in the request's access-log facts.
     */
    public static void fail(
            Request request,
            Response response,
            Callback callback,
            Throwable failure,
            RequestFacts facts,
            org.slf4j.Logger log) {
        if (failure instanceof RegistryException e) {
            send(request, response, callback, e);
            return;
        }
        facts.error = ErrorCode.UNKNOWN.name();
        if (response.isCommitted()) {
            log.debug("transfer of {} broken off: {}", request.getHttpURI().getPath(), Reasons.of(failure));
        } else {
            log.error("request {} failed", request.getHttpURI().getPath(), failure);
        }
        send(
                request,
                response,
                callback,
                new RegistryException(ErrorCode.UNKNOWN, "internal error", null, -1, failure));
    }
}
