package dev.registrycache.logger;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.registrycache.common.AtomicFile;
import dev.registrycache.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the logger was in each log file, kept across its own restarts: the file's identity
 * (device and inode) and the offset read up to. Written atomically.
 */
final class TailState {
    record Position(String fileKey, long offset) {}

    private final Path file;

    TailState(Path file) {
        this.file = file;
    }

    Map<String, Position> load() {
        try {
            return new HashMap<>(
                    Json.MAPPER.readValue(Files.readAllBytes(file), new TypeReference<Map<String, Position>>() {}));
        } catch (NoSuchFileException e) {
            return new HashMap<>();
        } catch (IOException e) {
            return new HashMap<>(); // a damaged state file: every log is read from its start once
        }
    }

    void save(Map<String, Position> positions) throws IOException {
        AtomicFile.write(file, Json.MAPPER.writeValueAsBytes(positions));
    }
}
