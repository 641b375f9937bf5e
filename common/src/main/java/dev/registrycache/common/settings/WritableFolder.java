package dev.registrycache.common.settings;

import dev.registrycache.common.Reasons;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The check every process makes of the folders it writes before it serves: a folder it cannot
 * create or write (a volume owned by another uid, a read-only mount) stops the start with one
 * line that names the folder, its setting and the fix, instead of a restart loop of stack traces.
 */
public final class WritableFolder {
    private WritableFolder() {}

    /** Creates {@code folder} if missing and proves it writable by creating and deleting a file in it. */
    public static Path require(Path folder, Setting setting) {
        try {
            Files.createDirectories(folder);
            Path probe = Files.createTempFile(folder, ".write-check-", ".tmp");
            Files.delete(probe);
            return folder;
        } catch (AccessDeniedException e) {
            throw new ConfigException(what(folder, setting) + " is not writable by this process (uid " + ownUid() + ")"
                    + owner(folder) + ": give it to uid " + ownUid() + ", e.g. chown -R " + ownUid() + ":" + ownUid()
                    + " <the host folder mounted there>, or choose another folder");
        } catch (FileSystemException e) {
            throw new ConfigException(what(folder, setting) + " cannot be written: " + Reasons.of(e)
                    + (e.getFile() != null && !e.getFile().equals(folder.toString()) ? " (" + e.getFile() + ")" : ""));
        } catch (IOException e) {
            throw new ConfigException(what(folder, setting) + " cannot be written: " + Reasons.of(e));
        }
    }

    private static String what(Path folder, Setting setting) {
        return setting.env() + " " + folder.toAbsolutePath();
    }

    private static String owner(Path folder) {
        for (Path p = folder.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                try {
                    return ", it" + (p.equals(folder.toAbsolutePath()) ? "" : "s parent " + p) + " is owned by uid "
                            + Files.getAttribute(p, "unix:uid");
                } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                    return "";
                }
            }
        }
        return "";
    }

    /** The uid this process runs as ("?" where the platform does not tell). */
    public static String ownUid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "?";
        }
    }
}
