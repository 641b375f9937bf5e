package dev.registrycache.cleaner;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.common.store.IoWorkers;
import java.util.Arrays;
import java.util.List;

/**
 * Every blob of the store with its size and last use, read partition by partition and held in
 * primitive arrays: the raw hash (32 bytes for SHA-256), size and last use, about 52 bytes a
 * blob with the orderings, so a pass over 500,000 blobs fits in a 64 MiB heap.
 */
final class BlobScan {
    private byte[] hashes = new byte[64 * 32];
    private int hashBytes;
    private int[] hashAt = new int[64];
    private long[] sizes = new long[64];
    private long[] lastUse = new long[64];
    private int count;
    private long total;
    private int[] byHash;
    private boolean[] deleted;

    /** Scans the datastore's blob partitions, one a task across the workers, into one scan. */
    static BlobScan of(Datastore datastore, IoWorkers workers) {
        List<String> partitions = datastore.blobPartitions();
        BlobScan[] parts = new BlobScan[partitions.size()];
        workers.each(parts.length, 1, k -> {
            BlobScan part = new BlobScan();
            datastore.scanBlobs(partitions.get(k), (algorithm, hash, size, use) -> part.add(hash, size, use));
            parts[k] = part;
            return true;
        });
        return merge(parts).sealed();
    }

    private static BlobScan merge(BlobScan[] parts) {
        BlobScan all = new BlobScan();
        int count = 0;
        int bytes = 0;
        for (BlobScan p : parts) {
            count += p.count;
            bytes += p.hashBytes;
        }
        all.hashes = new byte[bytes];
        all.hashAt = new int[count];
        all.sizes = new long[count];
        all.lastUse = new long[count];
        for (int k = 0; k < parts.length; k++) {
            BlobScan p = parts[k];
            parts[k] = null; // garbage once copied: the peak stays near one copy of the scan
            System.arraycopy(p.hashes, 0, all.hashes, all.hashBytes, p.hashBytes);
            for (int i = 0; i < p.count; i++) {
                all.hashAt[all.count + i] = all.hashBytes + p.hashAt[i];
            }
            System.arraycopy(p.sizes, 0, all.sizes, all.count, p.count);
            System.arraycopy(p.lastUse, 0, all.lastUse, all.count, p.count);
            all.count += p.count;
            all.hashBytes += p.hashBytes;
            all.total += p.total;
        }
        return all;
    }

    private void add(byte[] hash, long size, long use) {
        if (count == sizes.length) {
            int n = count * 2;
            hashAt = Arrays.copyOf(hashAt, n);
            sizes = Arrays.copyOf(sizes, n);
            lastUse = Arrays.copyOf(lastUse, n);
        }
        if (hashBytes + hash.length > hashes.length) {
            hashes = Arrays.copyOf(hashes, Math.max(hashes.length * 2, hashBytes + hash.length));
        }
        System.arraycopy(hash, 0, hashes, hashBytes, hash.length);
        hashAt[count] = hashBytes;
        hashBytes += hash.length;
        sizes[count] = size;
        lastUse[count] = use;
        count++;
        total += size;
    }

    private int hashLength(int i) {
        return (i + 1 < count ? hashAt[i + 1] : hashBytes) - hashAt[i];
    }

    /** After {@link #merge}, whose arrays are exactly full: adds the ordering by hash and the deletion marks. */
    private BlobScan sealed() {
        byHash = IndexSort.sorted(count, this::compareHashes);
        deleted = new boolean[count];
        return this;
    }

    private int compareHashes(int a, int b) {
        return compareHash(a, hashes, hashAt[b], hashLength(b));
    }

    /** Blob {@code i}'s hash against {@code length} bytes of {@code other} from {@code from}: shorter first, then unsigned bytes. */
    private int compareHash(int i, byte[] other, int from, int length) {
        int own = hashLength(i);
        if (own != length) {
            return Integer.compare(own, length);
        }
        return Arrays.compareUnsigned(hashes, hashAt[i], hashAt[i] + own, other, from, from + length);
    }

    int count() {
        return count;
    }

    long totalBytes() {
        return total;
    }

    Digest digest(int i) {
        int length = hashLength(i);
        return Digest.fromHash(
                Digest.Algorithm.byHashLength(length), Arrays.copyOfRange(hashes, hashAt[i], hashAt[i] + length));
    }

    long size(int i) {
        return sizes[i];
    }

    /** The blob's last use as the datastore reports it: its write or its latest recorded use. */
    long lastUse(int i) {
        return lastUse[i];
    }

    /** Indices ordered by last use, least recent first. */
    int[] leastRecentlyUsedFirst() {
        return IndexSort.sorted(count, (a, b) -> Long.compare(lastUse[a], lastUse[b]));
    }

    void markDeleted(int i) {
        deleted[i] = true;
    }

    /** What the scan knows of a blob named by a link folder. */
    enum Known {
        STORED,
        DELETED,
        UNSEEN
    }

    Known lookup(byte[] hash) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compareHash(byHash[mid], hash, 0, hash.length);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return deleted[byHash[mid]] ? Known.DELETED : Known.STORED;
            }
        }
        return Known.UNSEEN;
    }
}
