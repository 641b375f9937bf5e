package dev.registrycache.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Faster starts through application class-data sharing: the first JVM of each kind (node,
 * gateway, logger, cleaner) dumps the classes it loaded into an archive when it exits, and later
 * JVMs of that kind map the archive instead of loading and verifying those classes again, and
 * start in about half the time (bench/README.md). Archives are named after the artifact and the
 * JVM, so a new jar or JDK makes new ones.
 *
 * <p>On JDK 25 and later the archive is an AOT cache (JEP 483, 514, 515): besides the classes,
 * loaded and linked, it holds the method profiles of the first JVM's whole life, so that the
 * JIT compiles the hot paths of a later JVM sooner. The first JVM of a kind is the training run,
 * and what it served (pulls, cold and warm) is what later ones are ready for (bench/README.md,
 * bench/run-seed-bench.sh). An archive that does not fit the JVM (a truncated
 * file, another class path) is ignored by the JVM, which then starts as without one.
 */
final class ClassDataSharing {
    /**
     * The archives' folder in the data dir, beside the datastore's layout and not part of it: they
     * belong to the JVMs, and outlive a container as the data volume does.
     */
    static final String FOLDER = ".jvm-cds";

    private final Path folder;
    private final String key;
    private final boolean aotCache;
    /** Kind -> where its first JVM writes the archive, to be moved into place once that JVM exited. */
    private final Map<String, Path> dumping = new HashMap<>();

    ClassDataSharing(Path folder, String key, Runtime.Version jvm) {
        this.folder = folder;
        this.key = key;
        this.aotCache = jvm.feature() >= 25;
    }

    /** Archives for the artifact on {@code classPath} in {@code folder}; null when not running from a jar. */
    static ClassDataSharing forClassPath(String classPath, Path folder) {
        Path jar = Path.of(classPath);
        if (!classPath.endsWith(".jar") || !Files.isRegularFile(jar)) {
            return null;
        }
        try {
            Files.createDirectories(folder);
            removeLeftovers(folder);
            long stamp = Files.getLastModifiedTime(jar).toMillis() ^ Files.size(jar);
            String jvm = System.getProperty("java.vm.version", "") + System.getProperty("java.home", "");
            String key = Long.toHexString(stamp) + "-" + Integer.toHexString(jvm.hashCode());
            return new ClassDataSharing(folder, key, Runtime.version());
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Deletes archives being written that a JVM left a day ago or more (its supervisor was
     * killed): younger ones may be another replica's, written right now on a shared data dir.
     */
    private static void removeLeftovers(Path folder) {
        long dayAgo = System.currentTimeMillis() - Duration.ofDays(1).toMillis();
        try (var files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if ((name.endsWith(".tmp") || name.endsWith(".tmp.config"))
                        && Files.getLastModifiedTime(f).toMillis() < dayAgo) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException ignored) {
            // nothing to tidy, or not now
        }
    }

    /**
     * One JVM's run with class-data sharing: its {@link #options()}, and, for the first JVM of its
     * kind, where it writes the archive. Handed back to {@link #exited} when that JVM has exited:
     * only the JVM that writes an archive may publish or remove it, not another of its kind (the
     * second node, stopped at the same moment).
     */
    static final class Run {
        private final String kind;
        private final List<String> options;
        private final Path writing;

        private Run(String kind, List<String> options, Path writing) {
            this.kind = kind;
            this.options = options;
            this.writing = writing;
        }

        List<String> options() {
            return options;
        }
    }

    /**
     * A run of a JVM of {@code kind}: it uses the archive, or (the first of its kind) writes it at
     * exit; further JVMs of a kind run without one while their first is writing, and after it, if
     * it wrote none (killed, or refused by the JDK), until the next start: a training run at every
     * pass of the logger would cost more than it gives.
     */
    synchronized Run run(String kind) {
        Path archive = archive(kind);
        if (Files.isRegularFile(archive)) {
            return new Run(kind, options("-XX:AOTCache=", "-XX:SharedArchiveFile=", archive), null);
        }
        if (!dumping.containsKey(kind)) {
            // written under a name of its own and moved into place when the JVM has exited
            // ({@link #exited}): a JVM of another replica sharing the data dir, or a later start,
            // never maps a half-written archive
            Path temp = folder.resolve(archive.getFileName() + "." + UUID.randomUUID() + ".tmp");
            dumping.put(kind, temp);
            return new Run(kind, options("-XX:AOTCacheOutput=", "-XX:ArchiveClassesAtExit=", temp), temp);
        }
        return new Run(kind, List.of(), null);
    }

    /** {@code file} with the option for this JVM's kind of archive, and the JVM's logging of archives off. */
    private List<String> options(String aotCacheOption, String dynamicArchiveOption, Path file) {
        return aotCache
                ? List.of(aotCacheOption + file, "-Xlog:aot=off", "-Xlog:cds=off")
                : List.of(dynamicArchiveOption + file, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    /**
     * After the JVM of {@code run} exited with {@code exitCode}: if it was the one writing its
     * kind's archive and ended normally (an exit code of its own, or SIGTERM, SIGINT, SIGHUP: it
     * wrote the archive at exit; not a kill or a crash, which can leave it half-written), moves the
     * archive into place, unless another JVM's got there first. Another JVM of the kind leaves the
     * files alone: on JDK 25 the writer may still be assembling its AOT cache from them.
     */
    synchronized void exited(Run run, int exitCode) {
        Path temp = run.writing;
        if (temp == null) {
            return;
        }
        boolean normalEnd = exitCode >= 0 && exitCode < 128 || exitCode == 129 || exitCode == 130 || exitCode == 143;
        try {
            if (normalEnd && Files.isRegularFile(temp) && Files.size(temp) > 0 && !Files.exists(archive(run.kind))) {
                Files.move(temp, archive(run.kind), StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            // no archive this time: the next start writes one
        } finally {
            try {
                Files.deleteIfExists(temp);
                Files.deleteIfExists(Path.of(temp + ".config")); // the JDK's AOT configuration, if left
            } catch (IOException ignored) {
                // a leftover temporary file
            }
        }
    }

    /** Where the archive of the JVMs of {@code kind} is once written. */
    Path archive(String kind) {
        return folder.resolve(kind.toLowerCase(Locale.ROOT) + "-" + key + (aotCache ? ".aot" : ".jsa"));
    }
}
