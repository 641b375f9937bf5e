package dev.registrycache.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.security.cert.CertificateException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The reasons a user reads for each way of not reaching the cache. */
class UnreachableTest {
    private static final URI CACHE = URI.create("https://127.0.0.1:8443");

    @Test
    void namesWhyTheCacheCouldNotBeReachedWithoutClassNames() {
        assertEquals(
                "cannot connect to the cache at https://127.0.0.1:8443: connection refused",
                Unreachable.of(CACHE, new ExecutionException(new ConnectException("Connection refused")))
                        .getMessage());
        assertEquals(
                "the cache at https://127.0.0.1:8443 did not answer in time",
                Unreachable.of(CACHE, new TimeoutException()).getMessage());
        SSLHandshakeException wrongName = new SSLHandshakeException("No subject alternative names matching IP");
        wrongName.initCause(
                new CertificateException("No subject alternative names matching IP address 127.0.0.1 found"));
        assertEquals(
                "no TLS connection to the cache at https://127.0.0.1:8443: its certificate is not for 127.0.0.1 (No "
                        + "subject alternative names matching IP address 127.0.0.1 found)",
                Unreachable.of(CACHE, new ExecutionException(wrongName)).getMessage());
        assertEquals(
                "the connection to the cache at https://127.0.0.1:8443 broke: closed by the peer",
                Unreachable.of(
                                CACHE,
                                new IOException(
                                        "org.eclipse.jetty.io.EofException: java.io.IOException: closed by the peer"))
                        .getMessage());
    }
}
