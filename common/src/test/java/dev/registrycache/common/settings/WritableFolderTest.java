package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WritableFolderTest {
    @Test
    void createsAMissingFolderAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("a/b/data");
        assertEquals(data, WritableFolder.require(data, Setting.DATA_DIR));
        assertTrue(Files.isDirectory(data));
        try (var entries = Files.list(data)) {
            assertEquals(0, entries.count(), "the write check removes its probe file");
        }
    }

    @Test
    void aFolderThatCannotBeMadeIsRefusedWithItsVariableAndPath(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        ConfigException e = assertThrows(
                ConfigException.class, () -> WritableFolder.require(file.resolve("logs"), Setting.LOG_DIR));
        assertTrue(e.getMessage().startsWith("LOG_DIR " + file.resolve("logs") + " cannot be written"), e.getMessage());
    }
}
