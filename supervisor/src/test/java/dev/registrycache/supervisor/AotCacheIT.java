package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.Await;
import dev.registrycache.testsupport.FreePort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor on JDK 25, where each kind of JVM gets an AOT cache trained by its first JVM: a
 * start and a stop leave one for every kind, also for the nodes, of which two run at once, and
 * the next start maps them instead of training again.
 */
@Tag("e2e")
class AotCacheIT {
    private static final List<String> KINDS = List.of("node", "gateway", "logger", "cleaner");
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(120);

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aStartAndAStopLeaveAnAotCacheForEveryKindAndTheNextStartMapsThem(@TempDir Path dir) throws Exception {
        Map<String, String> env = env(dir);
        Path folder = dir.resolve("data").resolve(ClassDataSharing.FOLDER);

        Process first = start(env);
        // the logger's and the cleaner's first passes end on their own: their caches are written then
        Await.until(
                "the logger's and the cleaner's AOT caches",
                Duration.ofSeconds(180),
                () -> archives(folder).keySet().containsAll(List.of("logger", "cleaner")));
        stop(first);
        Map<String, FileTime> written = archives(folder);
        assertEquals(KINDS.stream().sorted().toList(), List.copyOf(written.keySet()), "one AOT cache per kind");
        assertEquals(written.size(), files(folder).size(), "nothing else left: " + files(folder));

        Process second = start(env);
        for (String kind : List.of("node quay.io", "node docker.io", "gateway")) {
            Path archive = archive(folder, kind.split(" ")[0]);
            Await.until(
                    kind + " mapping " + archive,
                    Duration.ofSeconds(120),
                    () -> second.descendants()
                            .filter(h -> String.join(" ", h.info().arguments().orElse(new String[0]))
                                    .contains("RegistryCacheMain " + kind.replace(" ", " --upstream ")))
                            .anyMatch(h -> maps(h.pid(), archive)));
        }
        stop(second);
        assertEquals(written, archives(folder), "the second start trained no JVM again");
        assertEquals(written.size(), files(folder).size(), "nothing else left: " + files(folder));
    }

    private static Map<String, String> env(Path dir) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put(
                "PULL_SECRET",
                Files.writeString(dir.resolve("pull-secret.json"), "{\"auths\":{\"quay.io\":{},\"docker.io\":{}}}")
                        .toString());
        env.put("DATA_DIR", dir.resolve("data").toString());
        env.put("LOG_DIR", dir.resolve("logs").toString());
        env.put("PORT", Integer.toString(FreePort.pick()));
        env.put("BIND_ADDRESS", "127.0.0.1");
        env.put("CERTS", dir.resolve("no-certs.pem").toString());
        // nothing is pulled: the nodes never reach these, and nothing leaves this machine
        env.put(
                "UPSTREAM_ENDPOINTS",
                "quay.io=http://127.0.0.1:" + FreePort.pick() + " docker.io=http://127.0.0.1:" + FreePort.pick());
        env.put("CLEANER_RUNEVERY_TIME", "2s");
        return env;
    }

    private Process start(Map<String, String> env) throws IOException {
        Process p =
                WholeStack.supervisor(WholeStack.jdk25Java(), List.of(), env).start();
        started.add(p);
        OutputLines.Lines lines = OutputLines.follow(p);
        Await.until(
                "the ready line",
                Duration.ofSeconds(120),
                () -> lines.stream().anyMatch(l -> l.contains("registry-cache ready")),
                lines::toString);
        return p;
    }

    private static void stop(Process supervisor) throws InterruptedException {
        supervisor.destroy(); // SIGTERM: every child stops cleanly, the first of each kind writes its cache
        assertTrue(supervisor.waitFor(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS), "stopped");
        assertEquals(0, supervisor.exitValue());
    }

    /** Kind -> when its AOT cache was written, of every cache in {@code folder}. */
    private static Map<String, FileTime> archives(Path folder) {
        Map<String, FileTime> archives = new TreeMap<>();
        for (Path f : files(folder)) {
            String name = f.getFileName().toString();
            if (name.endsWith(".aot")) {
                try {
                    archives.put(name.substring(0, name.indexOf('-')), Files.getLastModifiedTime(f));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return archives;
    }

    private static Path archive(Path folder, String kind) {
        return files(folder).stream()
                .filter(f -> f.getFileName().toString().startsWith(kind + "-")
                        && f.getFileName().toString().endsWith(".aot"))
                .findFirst()
                .orElseThrow();
    }

    private static List<Path> files(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (var files = Files.list(folder)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the process {@code pid} has {@code file} mapped into its memory. */
    private static boolean maps(long pid, Path file) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/maps"))
                    .contains(file.toRealPath().toString());
        } catch (IOException gone) {
            return false;
        }
    }
}
