package dev.registrycache.common;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Replaces a small file whole: the bytes go to a temporary file beside it, which is then renamed
 * over it, so a reader (another process) sees the old content or the new one, never a part.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /**
     * Writes {@code content} to {@code target} through a temporary sibling of a unique name (so
     * that concurrent writers do not collide), removed if anything fails; the folder must exist.
     */
    public static void write(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + "-" + UUID.randomUUID() + ".tmp");
        try {
            Files.write(tmp, content);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
