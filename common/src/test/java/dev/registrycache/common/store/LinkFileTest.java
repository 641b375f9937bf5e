package dev.registrycache.common.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.registrycache.common.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkFileTest {
    private static final Digest DIGEST = Digest.sha256Of(new byte[] {1});

    @TempDir
    Path dir;

    @Test
    void writesExactlyTheDigestAndLeavesNoTemporaryFile() throws IOException {
        Path link = dir.resolve("link");
        Files.writeString(link, "sha256:" + "0".repeat(64));
        LinkFile.write(link, DIGEST);
        assertEquals(DIGEST.toString(), Files.readString(link));
        assertEquals(DIGEST, LinkFile.read(link));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void readsWhatIsNotALinkAsAbsent() throws IOException {
        assertNull(LinkFile.read(dir.resolve("missing")));
        Files.writeString(dir.resolve("garbage"), "not a digest");
        assertNull(LinkFile.read(dir.resolve("garbage")));
        Files.writeString(dir.resolve("big"), DIGEST + " ".repeat(500));
        assertNull(LinkFile.read(dir.resolve("big")));
        Files.writeString(dir.resolve("newline"), DIGEST + "\n");
        assertEquals(DIGEST, LinkFile.read(dir.resolve("newline")), "as distribution writes none, but tolerated");
    }
}
