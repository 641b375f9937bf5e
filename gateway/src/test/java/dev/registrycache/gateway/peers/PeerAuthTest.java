package dev.registrycache.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class PeerAuthTest {
    private static final byte[] SECRET = "a secret of the replicas".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    private static final String PATH = "/v2/quay.io/team/app/blobs/sha256:" + "ab".repeat(32);

    private static PeerAuth at(Instant when, byte[] secret) {
        return new PeerAuth(secret, Clock.fixed(when, ZoneOffset.UTC));
    }

    @Test
    void aReplicaVerifiesWhatAnotherSignedForThatRequestLineOnly() {
        String signature = at(NOW, SECRET).sign("GET", PATH);
        PeerAuth verifier = at(NOW.plusSeconds(5), SECRET);
        assertTrue(verifier.verify(signature, "GET", PATH));
        assertFalse(verifier.verify(signature, "HEAD", PATH), "another method");
        assertFalse(verifier.verify(signature, "GET", PATH + "?x=1"), "another query");
        assertFalse(verifier.verify(signature, "GET", "/v2/quay.io/team/other/blobs/sha256:" + "ab".repeat(32)));
    }

    @Test
    void anotherSecretAnOldSignatureOrGarbageIsRefused() {
        String signature = at(NOW, SECRET).sign("GET", PATH);
        assertFalse(at(NOW, "another secret, as long".getBytes(StandardCharsets.UTF_8))
                .verify(signature, "GET", PATH));
        assertFalse(
                at(NOW.plus(PeerAuth.SKEW).plus(Duration.ofSeconds(2)), SECRET).verify(signature, "GET", PATH));
        assertTrue(
                at(NOW.minus(PeerAuth.SKEW), SECRET).verify(signature, "GET", PATH), "a clock behind, within the skew");
        PeerAuth verifier = at(NOW, SECRET);
        for (String bad :
                new String[] {null, "", ":", "1:2", "x:" + "0".repeat(64), NOW.getEpochSecond() + ":" + "zz".repeat(32)
                }) {
            assertFalse(verifier.verify(bad, "GET", PATH), String.valueOf(bad));
        }
    }

    @Test
    void aShortSecretIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> at(NOW, "short".getBytes(StandardCharsets.UTF_8)));
    }
}
