package dev.registrycache.common.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link StorageDriver} owes, as its Javadoc lists it: one suite each driver runs by
 * extending it, as distribution runs its driver suite over every storage driver.
 */
abstract class StorageDriverContract {
    StorageDriver driver;

    abstract StorageDriver newDriver() throws Exception;

    /** Whether a reader keeps reading an object deleted meanwhile (a file system: yes). */
    abstract boolean readersOutliveDeletes();

    @BeforeEach
    void open() throws Exception {
        driver = newDriver();
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] readAll(BlobReader reader) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) reader.size());
        while (buf.hasRemaining() && reader.read(buf, buf.position()) >= 0) {
            // positional reads until the end
        }
        return java.util.Arrays.copyOf(buf.array(), buf.position());
    }

    @Test
    void whatDoesNotExistAnswersNullFalseAndEmpty() throws IOException {
        assertNull(driver.stat("a/b"));
        assertEquals(-1, driver.lastUse("a/b"));
        assertNull(driver.get("a/b", 100));
        assertNull(driver.reader("a/b"));
        assertFalse(driver.delete("a/b"));
        assertFalse(driver.recordUse("a/b", Instant.now(), true));
        assertEquals(List.of(), driver.list("a"));
        assertEquals(List.of(), driver.listObjects("a", "data"));
        driver.deleteTree("a");
    }

    @Test
    void anObjectIsWrittenWholeReadAndReplaced() throws IOException {
        driver.put("x/y/z", text("first"));
        assertArrayEquals(text("first"), driver.get("x/y/z", 100));
        assertEquals(5, driver.stat("x/y/z").size());
        assertNull(driver.get("x/y/z", 4), "larger than asked");
        driver.put("x/y/z", text("second!"));
        assertArrayEquals(text("second!"), driver.get("x/y/z", 100));
        try (BlobReader reader = driver.reader("x/y/z")) {
            ByteBuffer three = ByteBuffer.allocate(3);
            assertEquals(3, reader.read(three, 2));
            assertArrayEquals(text("con"), three.array());
            assertEquals(7, reader.size());
        }
        assertTrue(driver.delete("x/y/z"));
        assertNull(driver.stat("x/y/z"));
    }

    @Test
    void ofWritersAtOnceExactlyOnePutsAnAbsentObject() throws Exception {
        int writers = 8;
        CyclicBarrier start = new CyclicBarrier(writers);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                byte[] mine = text("writer " + i);
                results.add(pool.submit(() -> {
                    start.await();
                    return driver.putIfAbsent("leases/l", mine);
                }));
            }
            int won = 0;
            for (Future<Boolean> r : results) {
                won += r.get() ? 1 : 0;
            }
            assertEquals(1, won);
        } finally {
            pool.shutdownNow();
        }
        assertTrue(new String(driver.get("leases/l", 100), StandardCharsets.UTF_8).startsWith("writer "));
        assertFalse(driver.putIfAbsent("leases/l", text("late")));
    }

    @Test
    void anUploadIsInvisibleUntilPublishedAndItsReadersFollowItAcross() throws IOException {
        try (StorageDriver.Upload upload = driver.upload("up/1")) {
            upload.write(ByteBuffer.wrap(text("hello ")));
            BlobReader early = upload.openReader();
            assertEquals(6, early.size());
            upload.write(ByteBuffer.wrap(text("world")));
            assertNull(driver.stat("obj/data"), "not published yet");
            upload.publish("obj/data");
            assertArrayEquals(text("hello world"), driver.get("obj/data", 100));
            assertArrayEquals(text("hello world"), readAll(early));
            early.close();
            try (BlobReader late = upload.openReader()) {
                assertArrayEquals(text("hello world"), readAll(late));
            }
        }
        assertArrayEquals(text("hello world"), driver.get("obj/data", 100), "close after publish keeps it");
    }

    @Test
    void anUploadClosedWithoutPublishingLeavesNothing() throws IOException {
        try (StorageDriver.Upload upload = driver.upload("up/2")) {
            upload.write(ByteBuffer.wrap(text("abandoned")));
        }
        assertEquals(List.of(), driver.listObjects("up", "data"));
    }

    @Test
    void aReaderOfADeletedObjectKeepsReadingWhereTheStoreAllows() throws IOException {
        driver.put("gone/data", text("still here"));
        try (BlobReader reader = driver.reader("gone/data")) {
            assertTrue(driver.delete("gone/data"));
            if (readersOutliveDeletes()) {
                assertArrayEquals(text("still here"), readAll(reader));
            }
        }
    }

    @Test
    void foldersListTheirNamesAndObjectsOneLevelDownWithTheirInfo() throws IOException {
        driver.put("f/a/data", text("aa"));
        driver.put("f/b/data", text("bbb"));
        driver.put("f/c/other", text("c"));
        driver.put("f/file", text("f"));
        assertEquals(Set.of("a", "b", "c", "file"), Set.copyOf(driver.list("f")));
        List<StorageDriver.Child> objects = driver.listObjects("f", "data");
        assertEquals(
                Set.of("a=2", "b=3"),
                objects.stream().map(c -> c.name() + "=" + c.info().size()).collect(Collectors.toSet()));
        driver.deleteTree("f");
        assertEquals(List.of(), driver.list("f"));
        assertNull(driver.stat("f/file"));
    }

    @Test
    void emptyFoldersGoUpToTheTopAndNoFurtherAndFilesAreNoFolders() throws IOException {
        driver.put("t/keep", text("k"));
        driver.put("t/a/b/c/obj", text("o"));
        assertTrue(driver.delete("t/a/b/c/obj"));
        driver.deleteEmptyFolders("t/a/b/c", "t");
        assertEquals(List.of("keep"), driver.list("t"));
        driver.deleteEmptyFolders("t/keep", "");
        assertNotNull(driver.stat("t/keep"), "an object is not an empty folder");
    }

    @Test
    void lastUseMovesLaterOnlyUnlessOverwritten() throws IOException {
        driver.put("u/data", text("u"));
        long written = driver.lastUse("u/data");
        assertEquals(driver.stat("u/data").modifiedMillis(), written, "a write is a use");
        Instant later = Instant.ofEpochMilli(written + 60_000);
        assertTrue(driver.recordUse("u/data", later, false));
        assertEquals(later.toEpochMilli(), driver.lastUse("u/data"));
        assertTrue(driver.recordUse("u/data", Instant.ofEpochMilli(written - 60_000), false));
        assertEquals(later.toEpochMilli(), driver.lastUse("u/data"), "not moved back");
        assertTrue(driver.recordUse("u/data", Instant.ofEpochMilli(written + 1000), true));
        assertEquals(written + 1000, driver.lastUse("u/data"), "overwritten");
        assertEquals(
                written + 1000,
                driver.listObjects("", "data").stream()
                        .filter(c -> c.name().equals("u"))
                        .findFirst()
                        .orElseThrow()
                        .lastUseMillis());
    }
}
