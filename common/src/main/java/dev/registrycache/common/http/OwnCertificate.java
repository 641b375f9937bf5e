package dev.registrycache.common.http;

import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.WritableFolder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;

/**
 * Trusts exactly one server certificate, whatever name it was reached by: the gateway's own, for
 * clients that connect to it at an address its certificate need not name (127.0.0.1): the
 * warm-up's client of the throwaway gateway, and {@code registry-cache warm} filling the gateway
 * on its host.
 */
public final class OwnCertificate extends ServerTrustManager {
    private static final Pattern PEM_CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+)-----END CERTIFICATE-----");

    private final Certificate certificate;

    public OwnCertificate(Certificate certificate) {
        this.certificate = certificate;
    }

    /**
     * The first certificate of a PEM file (the gateway's {@code CERTS}: its certificate, the chain,
     * then its key, which is not read). Throws {@link ConfigException} naming the file and {@code
     * what} it is when it cannot be read or holds no certificate.
     */
    public static X509Certificate firstIn(Path pem, String what) {
        String where = what + " " + pem;
        String text;
        try {
            text = Files.readString(pem, StandardCharsets.US_ASCII);
        } catch (AccessDeniedException e) {
            throw new ConfigException(where + ": cannot be read by this process (uid " + WritableFolder.ownUid() + ")");
        } catch (IOException e) {
            throw new ConfigException(
                    where + ": cannot be read (" + (e.getMessage() == null ? "no detail" : e.getMessage()) + ")");
        }
        Matcher m = PEM_CERTIFICATE.matcher(text);
        if (!m.find()) {
            throw new ConfigException(where + ": holds no PEM certificate");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | IllegalArgumentException e) {
            throw new ConfigException(where + ": its first certificate cannot be read (" + e.getMessage() + ")");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0 || !chain[0].equals(certificate)) {
            throw new CertificateException("not the gateway's own certificate");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
