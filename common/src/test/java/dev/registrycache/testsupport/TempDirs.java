package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary folders owned by a test-support object (a registry's storage, podman's root). They
 * are deleted by the owner's {@code close()}, and on JVM exit if an owner was never closed.
 * Deletion copes with what container tools leave behind: read-only directories and immutable
 * files.
 */
final class TempDirs {

    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> LIVE.forEach(TempDirs::deleteQuietly), "testsupport-tempdir-reaper"));
    }

    private TempDirs() {}

    static Path create(String prefix) {
        return create(null, prefix);
    }

    /** A new folder in {@code parent}, or in java.io.tmpdir if {@code parent} is null. */
    static Path create(Path parent, String prefix) {
        try {
            Path dir = parent == null ? Files.createTempDirectory(prefix) : Files.createTempDirectory(parent, prefix);
            LIVE.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder", e);
        }
    }

    /** Deletes {@code dir} and everything below it; throws if something could not be removed. */
    static void delete(Path dir) {
        LIVE.remove(dir);
        if (!Files.exists(dir)) {
            return;
        }
        try {
            deleteTree(dir);
            return;
        } catch (IOException firstFailure) {
            // podman's vfs layers may hold immutable files or directories without write permission
            if (Tools.onPath("chattr")) {
                Tools.run(Duration.ofSeconds(30), List.of("chattr", "-R", "-i", dir.toString()));
            }
            Tools.run(Duration.ofSeconds(30), List.of("chmod", "-R", "u+rwX", dir.toString()));
            try {
                deleteTree(dir);
            } catch (IOException secondFailure) {
                secondFailure.addSuppressed(firstFailure);
                throw new UncheckedIOException("cannot delete " + dir, secondFailure);
            }
        }
    }

    static void deleteQuietly(Path dir) {
        try {
            delete(dir);
        } catch (RuntimeException ignored) {
            // best effort at JVM exit
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
