package dev.registrycache.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Faster starts through application class-data sharing: the first JVM of each kind (node,
 * gateway, logger, cleaner) dumps the classes it loaded into an archive when it exits, and later
 * JVMs of that kind map the archive instead of loading and verifying those classes again.
 * Measured here: a node starts in about 0.45 s with its archive instead of 0.85 s. Archives are
 * named after the artifact and the JVM, so a new jar or JDK makes new ones.
 *
 * <p>On JDK 25 and later the archive is an AOT cache (JEP 483, 514, 515): besides the classes,
 * loaded and linked, it holds the method profiles of the first JVM's whole life, so that the
 * JIT compiles the hot paths of a later JVM sooner. The first JVM of a kind is the training run,
 * and what it served (pulls, cold and warm) is what later ones are ready for: measured with
 * bench/run-seed-bench.sh, a first cold pull after a start 1.15 s instead of 1.40 s with an
 * archive of the start alone (bench/README.md). An archive that does not fit the JVM (a truncated
 * file, another class path) is ignored by the JVM, which then starts as without one.
 */
final class ClassDataSharing {
    private final Path folder;
    private final String key;
    private final boolean aotCache;
    private final Set<String> dumping = new HashSet<>();

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
            long stamp = Files.getLastModifiedTime(jar).toMillis() ^ Files.size(jar);
            String jvm = System.getProperty("java.vm.version", "") + System.getProperty("java.home", "");
            String key = Long.toHexString(stamp) + "-" + Integer.toHexString(jvm.hashCode());
            return new ClassDataSharing(folder, key, Runtime.version());
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The JVM options for a child of {@code kind}: use the archive, or (the first of its kind)
     * write it at exit; none for further JVMs of a kind while its first one is still writing.
     */
    synchronized List<String> options(String kind) {
        Path archive = archive(kind);
        if (Files.isRegularFile(archive)) {
            return aotCache
                    ? List.of("-XX:AOTCache=" + archive, "-Xlog:aot=off", "-Xlog:cds=off")
                    : List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        }
        if (dumping.add(kind)) {
            return aotCache
                    ? List.of("-XX:AOTCacheOutput=" + archive, "-Xlog:aot=off", "-Xlog:cds=off")
                    : List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        }
        return List.of();
    }

    /** Where the archive of the JVMs of {@code kind} is. */
    Path archive(String kind) {
        return folder.resolve(kind.toLowerCase(Locale.ROOT) + "-" + key + (aotCache ? ".aot" : ".jsa"));
    }
}
