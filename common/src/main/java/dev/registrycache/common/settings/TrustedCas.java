package dev.registrycache.common.settings;

import dev.registrycache.common.Reasons;
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

/**
 * A trust store of the JDK's CAs plus those of a PEM bundle that a setting names
 * ({@code UPSTREAM_CA_FILE} for the upstreams, {@code S3_CA_FILE} for an object store), read once
 * at start; a bundle that cannot be read or holds no certificate stops the start, naming the
 * setting and the file.
 */
public final class TrustedCas {
    private TrustedCas() {}

    /** The JDK's CAs and those of {@code caFile}, which the setting {@code variable} names. */
    public static KeyStore withExtraCas(Path caFile, String variable) {
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
            int i = 0;
            for (Certificate c : read(caFile, variable)) {
                store.setCertificateEntry("extra-ca-" + i++, c);
            }
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(variable + " " + caFile + ": " + Reasons.of(e), e);
        }
    }

    private static Collection<? extends Certificate> read(Path caFile, String variable) {
        Collection<? extends Certificate> extra;
        try (InputStream in = Files.newInputStream(caFile)) {
            extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new ConfigException(variable + " " + caFile + ": cannot read: " + Reasons.of(e));
        } catch (GeneralSecurityException e) {
            throw new ConfigException(variable + " " + caFile + ": not a PEM certificate bundle: " + Reasons.of(e));
        }
        if (extra.isEmpty()) {
            throw new ConfigException(variable + " " + caFile + ": holds no certificate");
        }
        return extra;
    }
}
