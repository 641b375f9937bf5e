package dev.registrycache.cleaner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.InMemoryDatastore;
import dev.registrycache.common.store.IoWorkers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scan's arrays, orderings and lookups, filled from an in-memory store (the file scan is common's FileDatastoreTest). */
class BlobScanTest {
    @Test
    void indexSortIsAStableSortOfTheIndices() {
        Random random = new Random(7);
        for (int n : new int[] {0, 1, 2, 3, 17, 1000, 4097}) {
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = random.nextInt(50);
            }
            int[] sorted = IndexSort.sorted(n, (a, b) -> Long.compare(keys[a], keys[b]));
            Integer[] expected = new Integer[n];
            for (int i = 0; i < n; i++) {
                expected[i] = i;
            }
            Arrays.sort(expected, (a, b) -> Long.compare(keys[a], keys[b])); // stable too
            assertArrayEquals(
                    Arrays.stream(expected).mapToInt(Integer::intValue).toArray(), sorted, "n=" + n);
        }
    }

    @Test
    void scansEveryBlobAcrossThreadsAndLooksThemUpByHash() {
        InMemoryDatastore store = new InMemoryDatastore();
        List<Digest> digests = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < 300; i++) {
            byte[] content = ("blob " + i).getBytes(StandardCharsets.UTF_8);
            Digest d = Digest.sha256Of(content);
            store.putBlobAt(d, content, 1_000_000L * (i + 1));
            digests.add(d);
            total += content.length;
        }
        byte[] content = "a blob named by SHA-512".getBytes(StandardCharsets.UTF_8);
        Digest sha512 = Digest.fromHash(
                Digest.Algorithm.SHA512,
                Digest.Algorithm.SHA512.newMessageDigest().digest(content));
        store.putBlobAt(sha512, content, 5);
        digests.add(sha512);
        total += content.length;
        BlobScan scan;
        try (IoWorkers workers = new IoWorkers(4)) {
            scan = BlobScan.of(store, workers);
        }
        assertEquals(301, scan.count());
        assertEquals(total, scan.totalBytes());
        for (int i = 0; i < scan.count(); i++) {
            Digest d = scan.digest(i);
            int n = digests.indexOf(d);
            assertEquals(n == 300 ? content.length : ("blob " + n).length(), scan.size(i));
            assertEquals(store.lastUse(d), scan.lastUse(i));
            assertEquals(BlobScan.Known.STORED, scan.lookup(HexFormat.of().parseHex(d.hex())));
        }
        int first = 0;
        scan.markDeleted(first);
        assertEquals(
                BlobScan.Known.DELETED,
                scan.lookup(HexFormat.of().parseHex(scan.digest(first).hex())));
        Digest absent = Digest.sha256Of(new byte[] {1});
        assertEquals(BlobScan.Known.UNSEEN, scan.lookup(HexFormat.of().parseHex(absent.hex())));
        int[] lru = scan.leastRecentlyUsedFirst();
        for (int k = 1; k < lru.length; k++) {
            assertEquals(true, scan.lastUse(lru[k - 1]) <= scan.lastUse(lru[k]));
        }
    }

    @Test
    void anEmptyStoreScansToNothing() {
        try (IoWorkers workers = new IoWorkers(2)) {
            BlobScan scan = BlobScan.of(new InMemoryDatastore(), workers);
            assertEquals(0, scan.count());
            assertEquals(BlobScan.Known.UNSEEN, scan.lookup(new byte[32]));
        }
    }
}
