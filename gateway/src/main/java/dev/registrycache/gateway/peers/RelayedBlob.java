package dev.registrycache.gateway.peers;

import dev.registrycache.common.http.ByteRange;
import dev.registrycache.common.oci.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * What a replica may pass on to its client of a blob that the owner of its digest sends it. The
 * owner is another process on the network, reached in plain HTTP: the peer secret proves who asks,
 * never what is answered, so the owner's bytes are trusted by their digest only, as a node trusts
 * an upstream's. The owner is always asked for the whole blob, every byte of which is hashed here;
 * the caller gets the part of each chunk its client asked for (the whole blob, or one range of it)
 * and holds back the last part it was given until {@link #verified()}: no client then ever
 * completes a 200 or a 206 of bytes that are not the blob.
 */
public final class RelayedBlob {
    /** The owner's answer is not the blob: a broken or impostor replica. */
    public static final class Invalid extends IOException {
        public Invalid(String message) {
            super(message);
        }
    }

    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private final Digest digest;
    private final long size;
    private final ByteRange range;
    private final long first;
    private final long end;
    private final MessageDigest hasher;
    private long received;
    private Boolean verified;

    /**
     * @param size        the length the owner announced, -1 when it announced none
     * @param rangeHeader the client's {@code Range}, or null
     */
    public RelayedBlob(Digest digest, long size, String rangeHeader) {
        this.digest = digest;
        this.size = size;
        this.range = ByteRange.parse(rangeHeader, size);
        this.hasher = digest.newHasher();
        if (range == ByteRange.UNSATISFIABLE) {
            first = 0;
            end = 0;
        } else {
            first = range == null ? 0 : range.first();
            end = range == null ? Long.MAX_VALUE : range.last() + 1;
        }
    }

    /** The client's range against the announced size: null for the whole blob, or {@link ByteRange#UNSATISFIABLE}. */
    public ByteRange range() {
        return range;
    }

    /** The length the owner announced, -1 for none. */
    public long size() {
        return size;
    }

    /**
     * Takes the next bytes of the owner's answer (leaving {@code bytes} as it is) and returns the
     * part of them that the client asked for: a view of {@code bytes}, possibly empty.
     */
    public ByteBuffer next(ByteBuffer bytes) {
        long start = received;
        int n = bytes.remaining();
        hasher.update(bytes.duplicate());
        received += n;
        long from = Math.max(start, first);
        long to = Math.min(received, end);
        if (from >= to) {
            return NOTHING;
        }
        return bytes.slice(bytes.position() + (int) (from - start), (int) (to - from));
    }

    /** Once the owner's answer ended: whether it was the blob, as many bytes as announced and of its digest. */
    public boolean verified() {
        if (verified == null) {
            verified = (size < 0 || received == size) && digest.matches(hasher.digest());
        }
        return verified;
    }

    /** What the owner sent, for a log line once it is known not to be the blob. */
    public String describe() {
        return received + " bytes" + (size < 0 ? "" : " (" + size + " announced)") + " that are not " + digest;
    }
}
