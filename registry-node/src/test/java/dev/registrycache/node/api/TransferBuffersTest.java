package dev.registrycache.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.RegistryException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransferBuffersTest {
    @Test
    void aResponseThatFindsEveryBufferTakenIsAnswered503AndAGivenBackBufferServesTheNext() {
        TransferBuffers buffers = new TransferBuffers();
        List<ByteBuffer> taken = new ArrayList<>();
        for (int i = 0; i < TransferBuffers.COUNT; i++) {
            ByteBuffer b = buffers.take();
            assertTrue(b.isDirect() && b.capacity() == TransferBuffers.SIZE && b.remaining() == b.capacity());
            taken.add(b);
        }
        RegistryException busy = assertThrows(RegistryException.class, buffers::take);
        assertEquals(ErrorCode.UNAVAILABLE, busy.code());
        assertEquals(1, busy.retryAfterSeconds());
        ByteBuffer used = taken.get(0).position(100);
        buffers.give(used);
        assertSame(used, buffers.take(), "buffers are reused");
        assertEquals(0, used.position(), "cleared");
    }
}
