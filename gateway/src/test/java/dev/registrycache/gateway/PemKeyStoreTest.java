package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemKeyStoreTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryKindOfPemKey() throws Exception {
        TestPki pki = new TestPki();
        for (TestPki.KeyFormat format : TestPki.KeyFormat.values()) {
            KeyStore ks = PemKeyStore.load(pki.writeCertsPem(dir, format));
            assertEquals(2, ks.getCertificateChain(PemKeyStore.ALIAS).length, format.name());
            assertTrue(ks.isKeyEntry(PemKeyStore.ALIAS));
        }
    }

    @Test
    void brokenPemFilesNameTheFileAndTheProblem() throws Exception {
        TestPki pki = new TestPki();
        String good = Files.readString(pki.writeCertsPem(dir, TestPki.KeyFormat.PKCS8_RSA));
        String certsOnly = good.substring(0, good.indexOf("-----BEGIN PRIVATE KEY"));
        String keyOnly = good.substring(good.indexOf("-----BEGIN PRIVATE KEY"));
        Object[][] cases = {
            {"garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", "certificate file"
            },
            {"nokey.pem", certsOnly, "holds no private key"},
            {"nocert.pem", keyOnly, "holds no certificate"},
            {"empty.pem", "", "holds no certificate"},
        };
        for (Object[] c : cases) {
            Path f = Files.writeString(dir.resolve((String) c[0]), (String) c[1]);
            ConfigException e = assertThrows(ConfigException.class, () -> PemKeyStore.load(f));
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
            assertTrue(e.getMessage().contains((String) c[2]), e.getMessage());
        }
        String mismatched = certsOnly
                + Files.readString(pki.writeCertsPem(dir, TestPki.KeyFormat.EC))
                        .substring(Files.readString(pki.writeCertsPem(dir, TestPki.KeyFormat.EC))
                                .indexOf("-----BEGIN EC PRIVATE KEY"));
        Path f = Files.writeString(dir.resolve("mismatch.pem"), mismatched);
        assertTrue(assertThrows(ConfigException.class, () -> PemKeyStore.load(f))
                .getMessage()
                .contains("does not belong"));
    }
}
