package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        ClassDataSharing.Run dump = cds.run("node");
        Path temp = written(dump, "-XX:ArchiveClassesAtExit=");
        assertEquals(dir, temp.getParent());
        assertTrue(temp.getFileName().toString().startsWith("node-k.jsa.")
                && temp.toString().endsWith(".tmp"));
        assertEquals(
                List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off"),
                dump.options().subList(1, 3));
        assertEquals(List.of(), cds.run("node").options(), "the second node while the first is writing");
        assertTrue(cds.run("gateway")
                .options()
                .get(0)
                .startsWith("-XX:ArchiveClassesAtExit=" + dir.resolve("gateway-k.jsa.")));
        cds.exited(dump, 143); // the dumping JVM exited without writing anything: no archive
        assertFalse(Files.exists(archive));
        Files.write(temp, new byte[] {1, 2});
        cds.exited(dump, 137); // killed: what it wrote may be half an archive
        assertFalse(Files.exists(archive));
        assertFalse(Files.exists(temp));
        Files.write(temp, new byte[] {1, 2});
        cds.exited(dump, 143); // stopped with SIGTERM: written at exit
        assertFalse(Files.exists(temp));
        assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(archive), "moved into place whole");
        assertEquals(
                List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"),
                cds.run("node").options());
        Files.write(temp, new byte[] {3});
        cds.exited(dump, 0); // another JVM's archive got there first: kept
        assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(archive));
        assertFalse(Files.exists(temp));
    }

    @Test
    void onJdk25TheArchiveIsAnAotCacheTrainedByTheFirstJvmOfAKind(@TempDir Path dir) throws IOException {
        ClassDataSharing cds = new ClassDataSharing(dir, "k", JDK25);
        Path archive = dir.resolve("logger-k.aot");
        assertEquals(archive, cds.archive("Logger"));
        ClassDataSharing.Run dump = cds.run("logger");
        assertTrue(
                dump.options().get(0).startsWith("-XX:AOTCacheOutput=" + archive + "."),
                dump.options().toString());
        assertEquals(List.of("-Xlog:aot=off", "-Xlog:cds=off"), dump.options().subList(1, 3));
        assertEquals(List.of(), cds.run("logger").options());
        Files.write(written(dump, "-XX:AOTCacheOutput="), new byte[] {1});
        cds.exited(dump, 0);
        assertEquals(
                List.of("-XX:AOTCache=" + archive, "-Xlog:aot=off", "-Xlog:cds=off"),
                cds.run("logger").options());
    }

    @Test
    void anotherJvmOfTheKindExitingLeavesTheAotCacheBeingAssembledAlone(@TempDir Path dir) throws IOException {
        ClassDataSharing cds = new ClassDataSharing(dir, "k", JDK25);
        ClassDataSharing.Run training = cds.run("node"); // node quay.io
        ClassDataSharing.Run other = cds.run("node"); // node docker.io, stopped at the same moment
        Path temp = written(training, "-XX:AOTCacheOutput=");
        // at its exit the training JVM writes its configuration, then a JVM of its own assembles the cache from it
        Path configuration = Files.write(Path.of(temp + ".config"), new byte[] {1});
        cds.exited(other, 143);
        assertTrue(Files.exists(configuration), "the configuration is the training JVM's");
        Files.write(temp, new byte[] {2});
        Files.delete(configuration);
        cds.exited(training, 143);
        assertArrayEquals(new byte[] {2}, Files.readAllBytes(cds.archive("node")));
    }

    /** The archive {@code run} writes, from its option {@code option}. */
    private static Path written(ClassDataSharing.Run run, String option) {
        String first = run.options().get(0);
        assertTrue(first.startsWith(option), run.options().toString());
        return Path.of(first.substring(option.length()));
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
    void archivesLeftHalfWrittenADayAgoAreRemovedYoungerOnesAreAnotherReplicasAndStay(@TempDir Path dir)
            throws IOException {
        Path jar = Files.write(dir.resolve("registry-cache.jar"), new byte[] {1});
        Path folder = Files.createDirectories(dir.resolve("cds"));
        Path old = Files.write(folder.resolve("node-x.jsa.1.tmp"), new byte[] {1});
        Files.setLastModifiedTime(
                old, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 2 * 86_400_000L));
        Path young = Files.write(folder.resolve("node-x.jsa.2.tmp"), new byte[] {1});
        Path archive = Files.write(folder.resolve("node-x.jsa"), new byte[] {1});
        Files.setLastModifiedTime(archive, java.nio.file.attribute.FileTime.fromMillis(0));
        assertNotNull(ClassDataSharing.forClassPath(jar.toString(), folder));
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(young));
        assertTrue(Files.exists(archive));
    }

    @Test
    void noArchivesWhenNotRunFromAJar(@TempDir Path dir) {
        assertNull(ClassDataSharing.forClassPath(dir.resolve("classes").toString(), dir.resolve("cds")));
        assertNull(ClassDataSharing.forClassPath(dir.resolve("missing.jar").toString(), dir.resolve("cds")));
    }
}
