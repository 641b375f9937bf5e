import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The bench's s3proxy certificate (a PEM file) as each library wants to be told to trust it. */
final class Trust {
    private final KeyStore store;
    private final TrustManager[] managers;

    Trust(Path pem) throws IOException, GeneralSecurityException {
        store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            store.setCertificateEntry("s3proxy", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        managers = factory.getTrustManagers();
    }

    KeyStore store() {
        return store;
    }

    TrustManager[] managers() {
        return managers.clone();
    }

    X509TrustManager x509() {
        return (X509TrustManager) managers[0];
    }

    SSLContext context() throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, managers, null);
        return context;
    }
}
