package dev.registrycache.client;

import dev.registrycache.common.http.OwnCertificate;
import dev.registrycache.common.http.ServerTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Whom the cache's clients ({@code warm}, {@code admin}) believe to be the cache over TLS: the gateway's own certificate (from its
 * {@code CERTS} file), at whatever address it is reached, since the gateway on this host is
 * reached at 127.0.0.1 or its bind address, which its certificate need not name; any other
 * certificate as the JDK would, its CAs and the host name checked.
 */
final class CacheTrust extends ServerTrustManager {
    private final OwnCertificate own;
    private final X509ExtendedTrustManager jdk;

    private CacheTrust(OwnCertificate own, X509ExtendedTrustManager jdk) {
        this.own = own;
        this.jdk = jdk;
    }

    /** A TLS context trusting {@code own} (null: none) and the JDK's CAs. */
    static SSLContext context(X509Certificate own) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        X509ExtendedTrustManager jdk = null;
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager x) {
                jdk = x;
            }
        }
        if (jdk == null) {
            throw new GeneralSecurityException("the JDK offers no X.509 trust manager");
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
                null, new TrustManager[] {new CacheTrust(own == null ? null : new OwnCertificate(own), jdk)}, null);
        return context;
    }

    private boolean isOwn(X509Certificate[] chain, String authType) {
        if (own == null) {
            return false;
        }
        try {
            own.checkServerTrusted(chain, authType);
            return true;
        } catch (CertificateException notOwn) {
            return false;
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (!isOwn(chain, authType)) {
            jdk.checkServerTrusted(chain, authType);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        if (!isOwn(chain, authType)) {
            jdk.checkServerTrusted(chain, authType, socket);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        if (!isOwn(chain, authType)) {
            jdk.checkServerTrusted(chain, authType, engine);
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return jdk.getAcceptedIssuers();
    }
}
