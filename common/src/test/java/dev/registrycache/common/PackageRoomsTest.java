package dev.registrycache.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Common's code sits in packages that name their job (OCI values, settings, start-up, the log dir,
 * the datastore, the operators' marks in it, HTTP answers, command-line options, logging), and
 * they depend on each other in one direction. The root keeps only the plumbing that every
 * package uses.
 */
class PackageRoomsTest {
    private static final Path SOURCES =
            Path.of(System.getProperty("user.dir"), "src", "main", "java", "dev", "registrycache", "common");
    private static final Pattern COMMON_IMPORT =
            Pattern.compile("(?m)^import (?:static )?dev\\.registrycache\\.common((?:\\.[a-z]\\w*)*)\\.[A-Z]");

    @Test
    void theRootHoldsOnlyThePlumbingEveryPackageUses() throws IOException {
        Set<String> root = new TreeSet<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            files.filter(f -> f.toString().endsWith(".java"))
                    .forEach(f -> root.add(f.getFileName().toString().replace(".java", "")));
        }
        assertEquals(Set.of("AtomicFile", "InvalidValueException", "Json", "Metrics", "Reasons"), root);
    }

    @Test
    void thePackagesDependOnEachOtherInOneDirection() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = packageOf(file.getParent());
                Set<String> used = uses.computeIfAbsent(pkg, p -> new TreeSet<>());
                Matcher m = COMMON_IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    String other = m.group(1).isEmpty() ? "(root)" : m.group(1).substring(1);
                    if (!other.equals(pkg)) {
                        used.add(other);
                    }
                }
            }
        }
        assertEquals(
                Map.ofEntries(
                        Map.entry("(root)", Set.<String>of()),
                        Map.entry("oci", Set.of("(root)")),
                        Map.entry("settings", Set.of("(root)", "oci")),
                        Map.entry("startup", Set.of("(root)", "settings")),
                        Map.entry("logdir", Set.of("(root)", "oci")),
                        Map.entry("store", Set.of("(root)", "oci")),
                        Map.entry("store.s3", Set.of("(root)", "settings", "store")),
                        Map.entry("store.location", Set.of("(root)", "settings", "store", "store.s3")),
                        Map.entry("marks", Set.of("(root)", "oci", "store")),
                        Map.entry("http", Set.of("(root)", "logdir", "oci", "settings", "startup", "store")),
                        Map.entry("cli", Set.<String>of()),
                        Map.entry("logging", Set.<String>of())),
                uses);
    }

    private static String packageOf(Path folder) {
        String rel = SOURCES.relativize(folder).toString();
        return rel.isEmpty() ? "(root)" : rel.replace('/', '.');
    }
}
