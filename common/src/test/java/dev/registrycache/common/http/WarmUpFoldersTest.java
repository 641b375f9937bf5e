package dev.registrycache.common.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up's folders left by processes that were killed during it are removed when another
 * warm-up starts; those of running processes, and folders it did not name, stay.
 */
class WarmUpFoldersTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderOfAnEndedProcessIsRemovedAndOthersStay() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        assertTrue(ended.waitFor(30, TimeUnit.SECONDS));
        Path left = Files.createDirectories(tmp.resolve(WarmUp.FOLDER_PREFIX + ended.pid() + "-123/data/blobs"));
        Files.write(left.resolve("data"), new byte[1024]);
        Path running = Files.createDirectories(
                tmp.resolve(WarmUp.FOLDER_PREFIX + ProcessHandle.current().pid() + "-456"));
        Path unnamed = Files.createDirectories(tmp.resolve(WarmUp.FOLDER_PREFIX + "9345791822555215333"));
        Path other = Files.createDirectories(tmp.resolve("another-tool-" + ended.pid() + "-1"));

        WarmUp.removeFoldersOfEndedProcesses(tmp);

        assertFalse(Files.exists(tmp.resolve(WarmUp.FOLDER_PREFIX + ended.pid() + "-123")), "the ended one's");
        assertTrue(Files.exists(running), "a running process's");
        assertTrue(Files.exists(unnamed), "one without a process id");
        assertTrue(Files.exists(other), "another tool's");
    }
}
