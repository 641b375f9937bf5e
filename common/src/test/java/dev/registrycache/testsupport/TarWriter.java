package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the POSIX ustar format: a 512-byte header per entry, the content padded to 512-byte
 * blocks, two zero blocks at the end. Hand-written so that layers are byte-for-byte reproducible
 * from a seed (fixed owner, mode and mtime) without a compression library in test scope.
 */
final class TarWriter {

    private static final int BLOCK = 512;
    /** 2023-11-14T22:13:20Z; a fixed mtime keeps layers reproducible. */
    static final long MTIME = 1_700_000_000L;

    /** Produces exactly the announced number of bytes of an entry's content. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private final OutputStream out;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    void directory(String name) throws IOException {
        String dirName = name.endsWith("/") ? name : name + "/";
        out.write(header(dirName, 0755, 0, '5'));
    }

    void file(String name, byte[] content) throws IOException {
        file(name, content.length, o -> o.write(content));
    }

    void file(String name, long size, Content content) throws IOException {
        file(name, 0644, size, content);
    }

    void executable(String name, byte[] content) throws IOException {
        file(name, 0755, content.length, o -> o.write(content));
    }

    private void file(String name, int mode, long size, Content content) throws IOException {
        out.write(header(name, mode, size, '0'));
        CountingOutputStream counted = new CountingOutputStream(out);
        content.writeTo(counted);
        if (counted.count() != size) {
            throw new IllegalStateException(name + ": announced " + size + " bytes, wrote " + counted.count());
        }
        int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
        out.write(new byte[pad]);
    }

    /** Writes the end-of-archive marker; the underlying stream stays open. */
    void finish() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    private static byte[] header(String name, int mode, long size, char type) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            throw new IllegalArgumentException("tar name longer than 100 bytes: " + name);
        }
        byte[] h = new byte[BLOCK];
        System.arraycopy(nameBytes, 0, h, 0, nameBytes.length);
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, MTIME);
        Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) type;
        ascii(h, 257, "ustar\0");
        ascii(h, 263, "00");
        ascii(h, 265, "root");
        ascii(h, 297, "root");
        octal(h, 329, 8, 0);
        octal(h, 337, 8, 0);
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String checksum = String.format("%06o", sum);
        ascii(h, 148, checksum);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    /** A NUL-terminated, zero-padded octal number filling {@code width} bytes. */
    private static void octal(byte[] h, int offset, int width, long value) {
        String digits = Long.toOctalString(value);
        if (digits.length() > width - 1) {
            throw new IllegalArgumentException("value too large for a ustar field: " + value);
        }
        String padded = "0".repeat(width - 1 - digits.length()) + digits;
        ascii(h, offset, padded);
        h[offset + width - 1] = 0;
    }

    private static void ascii(byte[] h, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, h, offset, bytes.length);
    }
}
