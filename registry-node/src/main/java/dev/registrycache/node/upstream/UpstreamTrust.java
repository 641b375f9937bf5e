package dev.registrycache.node.upstream;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.settings.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The trust store for upstream TLS: the JDK's CAs plus those of {@code UPSTREAM_CA_FILE}. */
final class UpstreamTrust {
    private UpstreamTrust() {}

    static KeyStore withExtraCas(Path caFile) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            int n = 0;
            for (var tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        store.setCertificateEntry("jdk-" + n++, c);
                    }
                }
            }
            Collection<? extends Certificate> extra;
            try (InputStream in = Files.newInputStream(caFile)) {
                extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
            } catch (IOException e) {
                throw new ConfigException("UPSTREAM_CA_FILE " + caFile + ": cannot read: " + Reasons.of(e));
            } catch (GeneralSecurityException e) {
                throw new ConfigException(
                        "UPSTREAM_CA_FILE " + caFile + ": not a PEM certificate bundle: " + Reasons.of(e));
            }
            if (extra.isEmpty()) {
                throw new ConfigException("UPSTREAM_CA_FILE " + caFile + ": holds no certificate");
            }
            int i = 0;
            for (Certificate c : extra) {
                store.setCertificateEntry("upstream-ca-" + i++, c);
            }
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("UPSTREAM_CA_FILE " + caFile + ": " + Reasons.of(e), e);
        }
    }
}
