package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassDataSharingTest {
    private static final Runtime.Version JDK17 = Runtime.Version.parse("17.0.13");
    private static final Runtime.Version JDK25 = Runtime.Version.parse("25.0.1");

    @Test
    void onJdk17TheFirstJvmOfAKindWritesADynamicArchiveAndLaterOnesMapIt(@TempDir Path dir) throws IOException {
        ClassDataSharing cds = new ClassDataSharing(dir, "k", JDK17);
        Path archive = dir.resolve("node-k.jsa");
        assertEquals(archive, cds.archive("node"));
        assertEquals(
                List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"),
                cds.options("node"));
        assertEquals(List.of(), cds.options("node"), "the second node while the first is writing");
        assertEquals(
                "-XX:ArchiveClassesAtExit=" + dir.resolve("gateway-k.jsa"),
                cds.options("gateway").get(0));
        Files.write(archive, new byte[] {1});
        assertEquals(
                List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"),
                cds.options("node"));
    }

    @Test
    void onJdk25TheArchiveIsAnAotCacheTrainedByTheFirstJvmOfAKind(@TempDir Path dir) throws IOException {
        ClassDataSharing cds = new ClassDataSharing(dir, "k", JDK25);
        Path archive = dir.resolve("logger-k.aot");
        assertEquals(archive, cds.archive("Logger"));
        assertEquals(List.of("-XX:AOTCacheOutput=" + archive, "-Xlog:aot=off", "-Xlog:cds=off"), cds.options("logger"));
        assertEquals(List.of(), cds.options("logger"));
        Files.write(archive, new byte[] {1});
        assertEquals(List.of("-XX:AOTCache=" + archive, "-Xlog:aot=off", "-Xlog:cds=off"), cds.options("logger"));
    }

    @Test
    void archivesAreKeyedByTheJarSoANewJarMakesNewOnes(@TempDir Path dir) throws IOException {
        Path jar = Files.write(dir.resolve("registry-cache.jar"), new byte[] {1, 2, 3});
        ClassDataSharing first = ClassDataSharing.forClassPath(jar.toString(), dir.resolve("cds"));
        assertNotNull(first);
        assertTrue(Files.isDirectory(dir.resolve("cds")));
        Files.write(jar, new byte[] {1, 2, 3, 4});
        ClassDataSharing second = ClassDataSharing.forClassPath(jar.toString(), dir.resolve("cds"));
        assertTrue(!first.archive("node").equals(second.archive("node")));
    }

    @Test
    void noArchivesWhenNotRunFromAJar(@TempDir Path dir) {
        assertNull(ClassDataSharing.forClassPath(dir.resolve("classes").toString(), dir.resolve("cds")));
        assertNull(ClassDataSharing.forClassPath(dir.resolve("missing.jar").toString(), dir.resolve("cds")));
    }
}
