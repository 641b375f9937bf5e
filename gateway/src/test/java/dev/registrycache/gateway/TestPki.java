package dev.registrycache.gateway;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test certificate authority and a server certificate for 127.0.0.1 and localhost, as PEM files. */
final class TestPki {
    /** How the server's private key is written into certs.pem. */
    enum KeyFormat {
        PKCS8_RSA,
        PKCS1_RSA,
        EC
    }

    final KeyPair caKeys;
    final X509CertificateHolder ca;

    TestPki() throws Exception {
        caKeys = rsa();
        X500Name name = new X500Name("CN=registry-cache test CA");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                name,
                BigInteger.ONE,
                Date.from(now.minus(1, ChronoUnit.DAYS)),
                Date.from(now.plus(30, ChronoUnit.DAYS)),
                name,
                caKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca = b.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate()));
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** Writes certs.pem (server certificate, CA certificate, then the key) and returns its path. */
    Path writeCertsPem(Path dir, KeyFormat format) throws Exception {
        KeyPair keys = format == KeyFormat.EC ? ec() : rsa();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                ca.getSubject(),
                BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.DAYS)),
                Date.from(now.plus(30, ChronoUnit.DAYS)),
                new X500Name("CN=localhost"),
                keys.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")
        }));
        X509CertificateHolder leaf = b.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate()));
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(leaf);
            pem.writeObject(ca);
            if (format == KeyFormat.PKCS8_RSA) {
                pem.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
            } else if (format == KeyFormat.PKCS1_RSA) {
                pem.writeObject(keys.getPrivate()); // traditional "RSA PRIVATE KEY"
            } else {
                // "EC PRIVATE KEY" as openssl writes it: RFC 5915 with the named curve inside
                java.security.interfaces.ECPrivateKey k = (java.security.interfaces.ECPrivateKey) keys.getPrivate();
                var curve = org.bouncycastle.asn1.x9.ECNamedCurveTable.getOID("secp256r1");
                var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, k.getS(), null, curve);
                pem.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
            }
        }
        Path file = dir.resolve("certs-" + format.name().toLowerCase() + ".pem");
        Files.writeString(file, out.toString());
        return file;
    }

    /** A folder holding {@code ca.crt}, as skopeo's and podman's {@code --cert-dir} expect. */
    Path writeCaDir(Path dir) throws Exception {
        Path certDir = Files.createDirectories(dir.resolve("ca"));
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(ca);
        }
        Files.writeString(certDir.resolve("ca.crt"), out.toString());
        return certDir;
    }
}
