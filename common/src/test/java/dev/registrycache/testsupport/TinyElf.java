package dev.registrycache.testsupport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A static Linux x86-64 executable of a few hundred bytes that prints a text and exits 0: what a
 * test image needs for {@code docker run} or {@code podman run} to run something, built from
 * bytes like the rest of the test images (no base image, no toolchain). One ELF header, one
 * loadable segment, and the code: {@code write(1, text, length); exit(0)}.
 */
public final class TinyElf {
    private static final long BASE = 0x400000L;
    private static final int HEADERS = 64 + 56;

    private TinyElf() {}

    /** The executable printing {@code text}. */
    public static byte[] printing(String text) {
        byte[] message = text.getBytes(StandardCharsets.UTF_8);
        byte[] code = {
            (byte) 0xb8,
            1,
            0,
            0,
            0, // mov eax, 1 (write)
            (byte) 0xbf,
            1,
            0,
            0,
            0, // mov edi, 1 (stdout)
            0x48,
            (byte) 0x8d,
            0x35,
            16,
            0,
            0,
            0, // lea rsi, [rip + 16]: the text after the code
            (byte) 0xba,
            0,
            0,
            0,
            0, // mov edx, length (patched below)
            0x0f,
            0x05, // syscall
            (byte) 0xb8,
            60,
            0,
            0,
            0, // mov eax, 60 (exit)
            0x31,
            (byte) 0xff, // xor edi, edi
            0x0f,
            0x05 // syscall
        };
        ByteBuffer.wrap(code, 18, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(message.length);
        int total = HEADERS + code.length + message.length;
        ByteBuffer elf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        elf.putShort((short) 2); // ET_EXEC
        elf.putShort((short) 0x3e); // x86-64
        elf.putInt(1);
        elf.putLong(BASE + HEADERS); // entry: the code
        elf.putLong(64); // program headers right after this header
        elf.putLong(0); // no section headers
        elf.putInt(0);
        elf.putShort((short) 64);
        elf.putShort((short) 56);
        elf.putShort((short) 1);
        elf.putShort((short) 64);
        elf.putShort((short) 0);
        elf.putShort((short) 0);
        elf.putInt(1); // PT_LOAD
        elf.putInt(5); // read + execute
        elf.putLong(0);
        elf.putLong(BASE);
        elf.putLong(BASE);
        elf.putLong(total);
        elf.putLong(total);
        elf.putLong(0x1000);
        elf.put(code);
        elf.put(message);
        return elf.array();
    }
}
