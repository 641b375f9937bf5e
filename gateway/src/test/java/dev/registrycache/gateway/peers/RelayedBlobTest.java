package dev.registrycache.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.http.ByteRange;
import dev.registrycache.common.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RelayedBlobTest {
    private static final byte[] BLOB = new byte[10_000];

    static {
        for (int i = 0; i < BLOB.length; i++) {
            BLOB[i] = (byte) (i * 31 + 7);
        }
    }

    private static final Digest DIGEST = Digest.sha256Of(BLOB);

    /** Feeds {@code answer} in chunks of {@code chunk} bytes and returns what the client is given. */
    private static byte[] relay(RelayedBlob relayed, byte[] answer, int chunk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < answer.length; i += chunk) {
            ByteBuffer bytes = ByteBuffer.wrap(answer, i, Math.min(chunk, answer.length - i));
            int position = bytes.position();
            ByteBuffer part = relayed.next(bytes);
            assertEquals(position, bytes.position(), "the owner's chunk is left as it was");
            byte[] copy = new byte[part.remaining()];
            part.get(copy);
            out.write(copy, 0, copy.length);
        }
        return out.toByteArray();
    }

    @Test
    void theWholeBlobPassesAndIsVerified() {
        RelayedBlob relayed = new RelayedBlob(DIGEST, BLOB.length, null);
        assertNull(relayed.range());
        assertArrayEquals(BLOB, relay(relayed, BLOB, 999));
        assertTrue(relayed.verified());
    }

    @Test
    void wrongBytesOfTheRightLengthAreNotTheBlob() {
        byte[] wrong = BLOB.clone();
        wrong[wrong.length - 1] ^= 1;
        RelayedBlob relayed = new RelayedBlob(DIGEST, wrong.length, null);
        relay(relayed, wrong, 4096);
        assertFalse(relayed.verified());
    }

    @Test
    void aTruncatedBlobIsNotTheBlobWhateverLengthTheOwnerAnnounced() {
        byte[] truncated = Arrays.copyOf(BLOB, BLOB.length - 10);
        RelayedBlob honestLength = new RelayedBlob(DIGEST, truncated.length, null);
        relay(honestLength, truncated, 4096);
        assertFalse(honestLength.verified());
        RelayedBlob liedLength = new RelayedBlob(DIGEST, BLOB.length, null);
        relay(liedLength, truncated, 4096);
        assertFalse(liedLength.verified());
        RelayedBlob noLength = new RelayedBlob(DIGEST, -1, null);
        relay(noLength, truncated, 4096);
        assertFalse(noLength.verified());
    }

    @Test
    void aBlobOfUnannouncedLengthIsVerifiedByItsDigest() {
        RelayedBlob relayed = new RelayedBlob(DIGEST, -1, "bytes=10-20");
        assertNull(relayed.range(), "without a length a range cannot be cut: the whole blob goes out");
        assertArrayEquals(BLOB, relay(relayed, BLOB, 3000));
        assertTrue(relayed.verified());
    }

    @Test
    void aRangeGetsOnlyItsBytesWhileTheWholeBlobIsHashed() {
        RelayedBlob relayed = new RelayedBlob(DIGEST, BLOB.length, "bytes=4000-6999");
        assertEquals(new ByteRange(4000, 6999), relayed.range());
        assertArrayEquals(Arrays.copyOfRange(BLOB, 4000, 7000), relay(relayed, BLOB, 1024));
        assertTrue(relayed.verified());

        byte[] wrongAfterTheRange = BLOB.clone();
        wrongAfterTheRange[9000] ^= 1;
        RelayedBlob wrong = new RelayedBlob(DIGEST, BLOB.length, "bytes=4000-6999");
        assertArrayEquals(Arrays.copyOfRange(BLOB, 4000, 7000), relay(wrong, wrongAfterTheRange, 1024));
        assertFalse(wrong.verified(), "bytes outside the range count too");
    }

    @Test
    void anUnsatisfiableRangeGetsNoBytesButTheBlobIsStillVerified() {
        RelayedBlob relayed = new RelayedBlob(DIGEST, BLOB.length, "bytes=20000-");
        assertEquals(ByteRange.UNSATISFIABLE, relayed.range());
        assertEquals(0, relay(relayed, BLOB, 4096).length);
        assertTrue(relayed.verified());
    }
}
