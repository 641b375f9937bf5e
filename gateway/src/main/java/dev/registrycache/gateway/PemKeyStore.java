package dev.registrycache.gateway;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.WritableFolder;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads {@code certs.pem} (certificate chain, then the private key as PKCS#8, PKCS#1 RSA or EC)
 * into a key store for Jetty. BouncyCastle's PEM parser does this; the JDK cannot read PKCS#1
 * or EC keys from PEM. Every problem is a {@link ConfigException} naming the file.
 */
final class PemKeyStore {
    static final String ALIAS = "gateway";
    static final char[] PASSWORD = "in-memory-only".toCharArray();

    private PemKeyStore() {}

    static KeyStore load(Path file) {
        String where = "certificate file " + file + " (CERTS)";
        List<X509Certificate> chain = new ArrayList<>();
        PrivateKey key = null;
        JcaX509CertificateConverter certs = new JcaX509CertificateConverter();
        JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
        if (Files.isDirectory(file)) {
            throw new ConfigException(
                    where + ": cannot be read: it is a folder; CERTS names the PEM file itself, e.g. /certs/certs.pem");
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    chain.add(certs.getCertificate(holder));
                } else if (o instanceof PEMKeyPair pair) {
                    key = keys.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (o instanceof PrivateKeyInfo info) {
                    key = keys.getPrivateKey(info);
                } else if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new ConfigException(where + ": the private key is encrypted; an unencrypted key is needed");
                }
            }
        } catch (NoSuchFileException e) {
            throw new ConfigException(where + ": file not found");
        } catch (AccessDeniedException e) {
            throw new ConfigException(where + ": cannot be read by this process (uid " + WritableFolder.ownUid()
                    + "): make it readable, e.g. chmod 0640 and chgrp to this process's group");
        } catch (FileSystemException e) {
            throw new ConfigException(where + ": cannot be read: " + Reasons.of(e));
        } catch (IOException e) {
            throw new ConfigException(where + ": not a valid PEM file: " + Reasons.of(e));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException(where + ": cannot read a certificate or key: " + Reasons.of(e));
        }
        if (chain.isEmpty()) {
            throw new ConfigException(where + ": holds no certificate");
        }
        if (key == null) {
            throw new ConfigException(where + ": holds no private key");
        }
        if (!key.getAlgorithm().equals(chain.get(0).getPublicKey().getAlgorithm())) {
            throw new ConfigException(
                    where + ": the private key (" + key.getAlgorithm() + ") does not belong to the first certificate ("
                            + chain.get(0).getPublicKey().getAlgorithm() + ")");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, PASSWORD, chain.toArray(Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(where + ": " + Reasons.of(e));
        }
    }
}
