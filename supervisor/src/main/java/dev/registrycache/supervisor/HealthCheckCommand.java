package dev.registrycache.supervisor;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.cli.PublicPortOptions;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.LocalGateway;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code registry-cache.jar healthcheck}: the image's HEALTHCHECK. Asks the gateway on this
 * host for {@code /healthz} (over TLS when the CERTS file exists, as the gateway decides) and
 * exits 0 when every node answers, 1 otherwise. The certificate is not verified: the check talks
 * to its own container over loopback, where the question is "does it serve", not "who is it".
 */
@Command(
        name = "healthcheck",
        mixinStandardHelpOptions = true,
        description = {
            "Exits 0 when the gateway on this host is healthy, 1 otherwise (container health checks).",
            "Asks /healthz on 127.0.0.1, or on BIND_ADDRESS when set (every node up: 200), over TLS when the "
                    + "CERTS file exists; reads the same PORT, BIND_ADDRESS and CERTS as the supervisor."
        })
public final class HealthCheckCommand implements Callable<Integer> {
    private static final int TIMEOUT_MILLIS = 5_000;

    @Mixin
    PublicPortOptions publicPort;

    @Override
    public Integer call() {
        URI uri;
        try {
            uri = LocalGateway.resolve(
                            publicPort.portFlag(), publicPort.hostFlag(), publicPort.certsFlag(), System.getenv())
                    .resolve("/healthz");
        } catch (ConfigException e) {
            System.out.println(e.getMessage());
            return 1;
        }
        try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            if (connection instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(trustingContext().getSocketFactory());
                https.setHostnameVerifier((host, session) -> true);
            }
            connection.setConnectTimeout(TIMEOUT_MILLIS);
            connection.setReadTimeout(TIMEOUT_MILLIS);
            int status = connection.getResponseCode();
            InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream();
            String text = body == null ? "" : new String(body.readNBytes(4096), StandardCharsets.UTF_8);
            System.out.println(uri + ": " + status + " " + text.strip());
            return status == 200 ? 0 : 1;
        } catch (IOException | GeneralSecurityException e) {
            System.out.println(uri + ": " + Reasons.of(e));
            return 1;
        }
    }

    private static SSLContext trustingContext() throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
                null,
                new TrustManager[] {
                    new X509TrustManager() {
                        @Override
                        public void checkClientTrusted(X509Certificate[] chain, String authType) {
                            // not a client certificate check
                        }

                        @Override
                        public void checkServerTrusted(X509Certificate[] chain, String authType) {
                            // loopback to our own gateway: see the class comment
                        }

                        @Override
                        public X509Certificate[] getAcceptedIssuers() {
                            return new X509Certificate[0];
                        }
                    }
                },
                null);
        return context;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new HealthCheckCommand()).execute(args));
    }
}
