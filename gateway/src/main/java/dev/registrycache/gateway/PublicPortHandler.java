package dev.registrycache.gateway;

import dev.registrycache.common.http.ErrorResponses;
import dev.registrycache.common.http.MetricsHandler;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Who may ask what on the clients' port: {@code /healthz} for probes without credentials, then
 * only the registry API and {@code /metrics}, with client authentication (htpasswd) when it is on.
 * The wrapped {@link dev.registrycache.common.http.MetricsHandler} answers the two probes'
 * paths, and passes the API to the {@link ForwardingHandler}.
 */
final class PublicPortHandler extends Handler.Wrapper {
    private final BasicAuthenticator authenticator;
    private final String challenge;

    /** {@code authenticator}: null when client authentication is off. */
    PublicPortHandler(BasicAuthenticator authenticator, String realm, Handler metricsThenApi) {
        super(metricsThenApi);
        this.authenticator = authenticator;
        this.challenge = "Basic realm=\"" + realm.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        if (MetricsHandler.HEALTH.equals(path)) {
            return super.handle(request, response, callback); // for probes: no credentials needed
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
}
