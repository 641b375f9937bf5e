package dev.registrycache.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A gateway's {@code CERTS} file as the README's recipe makes it: openssl's self-signed
 * certificate for one DNS name, then its key (PKCS#8).
 */
public final class SelfSignedCertificate {
    private SelfSignedCertificate() {}

    /** Writes {@code certsPem} for {@code name}; returns it. Requires openssl. */
    public static Path writeCertsPem(Path certsPem, String name) throws IOException {
        Tools.require("openssl");
        Path cert = certsPem.resolveSibling(certsPem.getFileName() + ".cert");
        Path key = certsPem.resolveSibling(certsPem.getFileName() + ".key");
        try {
            Tools.runOrThrow(
                    Duration.ofSeconds(60),
                    List.of(
                            "openssl",
                            "req",
                            "-x509",
                            "-newkey",
                            "rsa:2048",
                            "-nodes",
                            "-days",
                            "2",
                            "-subj",
                            "/CN=" + name,
                            "-addext",
                            "subjectAltName=DNS:" + name,
                            "-keyout",
                            key.toString(),
                            "-out",
                            cert.toString()));
            return Files.writeString(certsPem, Files.readString(cert) + Files.readString(key));
        } finally {
            Files.deleteIfExists(cert);
            Files.deleteIfExists(key);
        }
    }
}
