package dev.registrycache.gateway;

import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.http.MetricsHandler;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.gateway.admin.AdminHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Who may ask what on the clients' port: with TLS on, nothing over plain HTTP (a 400 that says to
 * use https, and the connection closed); {@code /healthz} for probes without credentials, then
 * only the registry API and {@code /metrics}, with client authentication (htpasswd) when it is on,
 * and the admin API ({@link AdminHandler}), which admits its own users.
 * The wrapped {@link dev.registrycache.common.http.MetricsHandler} answers the two probes'
 * paths, and passes the API to the {@link ForwardingHandler}.
 */
final class PublicPortHandler extends Handler.Wrapper {
    private final boolean httpsOnly;
    private final BasicAuthenticator authenticator;
    private final String challenge;
    private final Handler admin;

    /**
     * {@code httpsOnly}: the port speaks TLS; {@code authenticator}: null when client authentication
     * is off; {@code admin}: the admin API, which checks its users itself.
     */
    PublicPortHandler(
            boolean httpsOnly,
            BasicAuthenticator authenticator,
            String challenge,
            Handler admin,
            Handler metricsThenApi) {
        super(metricsThenApi);
        this.httpsOnly = httpsOnly;
        this.authenticator = authenticator;
        this.challenge = challenge;
        this.admin = admin;
    }

    /** The Basic challenge of {@code realm}, quoted. */
    static String challenge(String realm) {
        return "Basic realm=\"" + realm.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (httpsOnly && !request.isSecure()) {
            tellToUseHttps(request, response, callback);
            return true;
        }
        String path = request.getHttpURI().getPath();
        if (MetricsHandler.HEALTH.equals(path)) {
            return super.handle(request, response, callback); // for probes: no credentials needed
        }
        if (AdminHandler.isAdminPath(path)) {
            return admin.handle(request, response, callback);
        }
        if (!MetricsHandler.METRICS.equals(path) && !ForwardingHandler.isApiPath(path)) {
            ErrorResponses.send(
                    request,
                    response,
                    callback,
                    new RegistryException(ErrorCode.NOT_FOUND, "not a registry API path", null));
            return true;
        }
        if (authenticator != null
                && !authenticator.authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            ErrorResponses.send(
                    request,
                    response,
                    callback,
                    new RegistryException(ErrorCode.UNAUTHORIZED, "authentication required", null),
                    Map.of(HttpHeader.WWW_AUTHENTICATE.asString(), challenge));
            return true;
        }
        return super.handle(request, response, callback);
    }

    /** Plain text, for whoever typed http:// (curl, a script): a registry client reads the status. */
    private static void tellToUseHttps(Request request, Response response, Callback callback) {
        String host = Request.getServerName(request);
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]"; // an IPv6 address
        }
        byte[] body = ("this port speaks HTTPS: use https://" + host + ":" + Request.getServerPort(request) + "/\n")
                .getBytes(StandardCharsets.UTF_8);
        response.setStatus(400);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
