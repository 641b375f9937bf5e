package dev.registrycache.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.registrycache.testsupport.FreePort;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures in words, never a Java class name. */
class ReasonsTest {
    @Test
    void namesTheCommonFailuresInWords() {
        assertEquals("no such file", Reasons.of(new NoSuchFileException("/pull-secret.json")));
        assertEquals("permission denied", Reasons.of(new AccessDeniedException("/certs/certs.pem")));
        assertEquals("connection refused", Reasons.of(new ConnectException("Connection refused")));
        assertEquals("unknown host quay.example", Reasons.of(new UnknownHostException("quay.example")));
        assertEquals("timed out", Reasons.of(new SocketTimeoutException("Read timed out")));
        assertEquals("timed out", Reasons.of(new TimeoutException()));
        assertEquals("the connection was closed early", Reasons.of(new EOFException()));
        assertEquals(
                "read-only file system", Reasons.of(new FileSystemException("/data", null, "Read-only file system")));
    }

    @Test
    void looksThroughTheExceptionsThatOnlyCarryAFailure() {
        assertEquals(
                "connection refused",
                Reasons.of(
                        new ExecutionException(new UncheckedIOException(new ConnectException("Connection refused")))));
    }

    @Test
    void keepsAMessageButNotTheClassNamesInIt() {
        assertEquals("the lease is held", Reasons.of(new IllegalStateException("the lease is held")));
        assertEquals(
                "upstream failed: Connection reset",
                Reasons.of(new IOException("upstream failed: java.net.SocketException: Connection reset")));
    }

    @Test
    void addsWhatTheCauseSaysWhenTheMessageDoesNot() {
        assertEquals(
                "Failed to bind to /127.0.0.1:80: Permission denied",
                Reasons.of(new IOException(
                        "Failed to bind to /127.0.0.1:80", new java.net.BindException("Permission denied"))));
        assertEquals(
                "blob download failed: connection refused",
                Reasons.of(new IOException(
                        "blob download failed: connection refused", new ConnectException("Connection refused"))));
    }

    @Test
    void aFailureWithoutMessageIsNamedInWordsFromItsKind() {
        assertEquals("illegal state", Reasons.of(new IllegalStateException()));
        assertEquals("null pointer", Reasons.of(new NullPointerException()));
    }

    @Test
    void tellsAnUntrustedCertificateFromOtherTlsFailures() {
        SSLHandshakeException untrusted = new SSLHandshakeException(
                "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find"
                        + " valid certification path to requested target");
        untrusted.initCause(new CertPathBuilderException("unable to find valid certification path"));
        assertEquals("TLS: the certificate is not trusted", Reasons.of(untrusted));
        assertEquals(
                "TLS failed: Received fatal alert: handshake_failure",
                Reasons.of(new SSLHandshakeException("Received fatal alert: handshake_failure")));
    }

    @Test
    void aJsonErrorIsItsMessageWithoutTheSourceLocation() {
        JsonProcessingException e = assertThrowsJson("{\"auths\": ");
        String reason = Reasons.of(e);
        assertFalse(reason.contains("Source"), reason);
        assertFalse(reason.contains("Exception"), reason);
    }

    @Test
    void realFailuresFromTheJdkReadAsWords(@TempDir Path dir) throws IOException {
        NoSuchFileException missing =
                assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(dir.resolve("missing")));
        assertEquals("no such file", Reasons.of(missing));
        int nobodyListens = FreePort.pick();
        IOException refused = assertThrows(IOException.class, () -> new Socket("127.0.0.1", nobodyListens).close());
        assertEquals("connection refused", Reasons.of(refused));
    }

    private static JsonProcessingException assertThrowsJson(String text) {
        return assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readTree(text));
    }
}
