package dev.registrycache.warm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.common.oci.ErrorBody;
import dev.registrycache.common.oci.ErrorCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The reasons a user reads: words for each answer of the cache and each way of not reaching it. */
class RefusalsTest {
    private static final URI CACHE = URI.create("https://127.0.0.1:8443");

    private static String reason(int status, ErrorCode code, String message) {
        return Refusals.of(status, ErrorBody.of(code, message, null), false, null)
                .getMessage();
    }

    @Test
    void speaksOfTheUpstreamForWhatTheUpstreamDoesNotHave() {
        assertEquals("manifest unknown to the upstream", reason(404, ErrorCode.MANIFEST_UNKNOWN, null));
        assertEquals("blob unknown to the upstream", reason(404, ErrorCode.BLOB_UNKNOWN, null));
        assertEquals("repository unknown to the upstream", reason(404, ErrorCode.NAME_UNKNOWN, null));
        assertEquals(
                "this cache does not serve registry ghcr.io",
                reason(404, ErrorCode.NAME_UNKNOWN, "this cache does not serve registry ghcr.io"));
        assertEquals(
                "the upstream registry is unavailable and the cache does not hold this",
                reason(
                        503,
                        ErrorCode.UNAVAILABLE,
                        "the upstream registry is unavailable and the cache does not hold this"));
        assertEquals(
                "the cache answered HTTP 502",
                Refusals.of(502, "<html>".getBytes(StandardCharsets.UTF_8), false, null)
                        .getMessage());
    }

    @Test
    void tellsTheCachesOwnAuthenticationFromTheUpstreamRefusingTheCache() {
        byte[] body = ErrorBody.of(ErrorCode.UNAUTHORIZED, null, null);
        assertEquals(
                "the cache asks for credentials: give --username, and the password in WARM_PASSWORD or on standard "
                        + "input with --password-stdin",
                Refusals.of(401, body, true, null).getMessage());
        assertEquals(
                "the cache refused the credentials of user puller",
                Refusals.of(401, body, true, "puller").getMessage());
        assertEquals(
                "the upstream registry refused the cache's credentials",
                Refusals.of(
                                401,
                                ErrorBody.of(
                                        ErrorCode.UNAUTHORIZED,
                                        "the upstream registry refused the cache's credentials",
                                        null),
                                false,
                                "puller")
                        .getMessage());
    }

    @Test
    void namesWhyTheCacheCouldNotBeReachedWithoutClassNames() {
        assertEquals(
                "cannot connect to the cache at https://127.0.0.1:8443: connection refused",
                Refusals.unreachable(CACHE, new ExecutionException(new ConnectException("Connection refused")))
                        .getMessage());
        assertEquals(
                "the cache at https://127.0.0.1:8443 did not answer in time",
                Refusals.unreachable(CACHE, new TimeoutException()).getMessage());
        SSLHandshakeException wrongName = new SSLHandshakeException("No subject alternative names matching IP");
        wrongName.initCause(
                new CertificateException("No subject alternative names matching IP address 127.0.0.1 found"));
        assertEquals(
                "no TLS connection to the cache at https://127.0.0.1:8443: its certificate is not for 127.0.0.1 (No "
                        + "subject alternative names matching IP address 127.0.0.1 found)",
                Refusals.unreachable(CACHE, new ExecutionException(wrongName)).getMessage());
        assertEquals(
                "the connection to the cache at https://127.0.0.1:8443 broke: closed by the peer",
                Refusals.unreachable(
                                CACHE,
                                new IOException(
                                        "org.eclipse.jetty.io.EofException: java.io.IOException: closed by the peer"))
                        .getMessage());
    }
}
