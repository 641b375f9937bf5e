package dev.registrycache.common.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lease files as a crash, a clock or an operator may leave them at {@code <data-dir>/.leases/}:
 * what the contract cannot say for every datastore. (Tests run as root here, which reads any
 * file whatever its permissions: a file that holds no lease and a directory stand for the
 * unreadable ones.)
 */
class LeasesTest {
    private static final Duration TERM = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    private Path lease() throws IOException {
        return Files.createDirectories(dir.resolve(StoreLayout.LEASES)).resolve("cleaner");
    }

    @Test
    void aGhostsLeaseThatRunsForCenturiesIsTakenOver() throws IOException {
        Files.writeString(lease(), "ghost 99999999999999\n");
        assertTrue(new FileDatastore(dir).holdLease("cleaner", "replica-a", Instant.now(), TERM));
        assertTrue(Files.readString(lease()).startsWith("replica-a "), Files.readString(lease()));
    }

    @Test
    void aFileThatHoldsNoLeaseIsTakenOver() throws IOException {
        for (byte[] garbage :
                new byte[][] {"no lease here".getBytes(StandardCharsets.US_ASCII), {(byte) 0xff, (byte) 0xfe, 0, '7'}
                }) {
            Files.write(lease(), garbage);
            assertTrue(new FileDatastore(dir).holdLease("cleaner", "replica-a", Instant.now(), TERM));
            assertTrue(Files.readString(lease()).startsWith("replica-a "), Files.readString(lease()));
            Files.delete(lease());
        }
    }

    @Test
    void anEmptyFileIsALeaseBeingWrittenAndHeldForATerm() throws IOException {
        Files.createFile(lease());
        FileDatastore store = new FileDatastore(dir);
        assertFalse(store.holdLease("cleaner", "replica-a", Instant.now(), TERM), "its holder is writing it");
        assertTrue(
                store.holdLease("cleaner", "replica-a", Instant.now().plus(TERM).plusSeconds(1), TERM));
    }

    @Test
    void aTakeoverLeftUnfinishedByACrashHoldsTheLeaseForItsTermAndIsThenTakenOver() throws IOException {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        Files.writeString(lease(), "old " + now.minus(TERM).toEpochMilli() + "\n");
        Path marker = lease().resolveSibling(".cleaner.takeover");
        Files.writeString(marker, "crashed.0123456789ab " + now.plus(TERM).toEpochMilli() + "\n");
        FileDatastore store = new FileDatastore(dir);
        assertFalse(store.holdLease("cleaner", "replica-a", now, TERM), "a takeover is under way");
        assertTrue(Files.readString(lease()).startsWith("old "), Files.readString(lease()));
        assertTrue(store.holdLease("cleaner", "replica-a", now.plus(TERM), TERM), "the crashed one's turn ran out");
        assertTrue(Files.readString(lease()).startsWith("replica-a "), Files.readString(lease()));
        try (Stream<Path> files = Files.list(lease().getParent())) {
            assertEquals(
                    List.of("cleaner"),
                    files.map(f -> f.getFileName().toString()).toList(),
                    "nothing left beside it");
        }
    }

    @Test
    void aReleaseDuringATakeoverLeavesTheLeaseToRunOut() throws IOException {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        FileDatastore store = new FileDatastore(dir);
        assertTrue(store.holdLease("cleaner", "replica-a", now, TERM));
        Path marker = lease().resolveSibling(".cleaner.takeover");
        Files.writeString(marker, "replica-b.0123456789ab " + now.plus(TERM).toEpochMilli() + "\n");
        store.releaseLease("cleaner", "replica-a");
        assertTrue(Files.readString(lease()).startsWith("replica-a "), "not deleted under replica-b's takeover");
        Files.delete(marker);
        store.releaseLease("cleaner", "replica-a");
        assertFalse(Files.exists(lease()), "released once no takeover is under way");
    }

    @Test
    void aDirectoryAtTheLeasePathIsReportedAsSuch() throws IOException {
        Files.createDirectory(lease());
        IOException e = assertThrows(
                IOException.class, () -> new FileDatastore(dir).holdLease("cleaner", "replica-a", Instant.now(), TERM));
        assertTrue(
                e.getMessage().contains(" is a directory"),
                "the message names the path and what is wrong: " + e.getMessage());
    }
}
