package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * A {@link Datastore} in memory, for unit tests of the node, gateway, logger and cleaner without
 * a disk; it passes the same contract tests as {@link FileDatastore}. Blob partitions are the
 * first two hex digits, as the file layout's folders. Thread-safe.
 */
public final class InMemoryDatastore implements Datastore {
    private record Blob(byte[] bytes, long writtenMillis, long lastUseMillis) {}

    private final Clock clock;
    private final Map<Digest, Blob> blobs = new ConcurrentHashMap<>();
    private final Map<RepositoryName, Repository> repositories = new ConcurrentHashMap<>();
    private final Set<Upload> uploads = ConcurrentHashMap.newKeySet();
    /** Bytes uploads may still write in all before the "disk" is full; negative: no limit. */
    private final java.util.concurrent.atomic.AtomicLong room = new java.util.concurrent.atomic.AtomicLong(-1);

    private volatile boolean refuseUploads;
    private volatile boolean refuseCommits;

    /** A repository's links; changed only inside {@link #update}, so a prune never drops a link written meanwhile. */
    private static final class Repository {
        final Set<Digest> layers = ConcurrentHashMap.newKeySet();
        final Set<Digest> manifests = ConcurrentHashMap.newKeySet();
        final Map<Tag, Digest> tags = new ConcurrentSkipListMap<>();
        /** Every digest each tag pointed at: distribution's {@code index} of the tag. */
        final Map<Tag, Set<Digest>> history = new ConcurrentHashMap<>();

        boolean isEmpty() {
            return layers.isEmpty() && manifests.isEmpty() && tags.isEmpty() && history.isEmpty();
        }
    }

    public InMemoryDatastore() {
        this(Clock.systemUTC());
    }

    /** {@code clock}: the time of writes, which count as uses, and of uploads' last writes. */
    public InMemoryDatastore(Clock clock) {
        this.clock = clock;
    }

    // ---- blobs

    @Override
    public long blobSize(Digest digest) {
        Blob b = blobs.get(digest);
        return b == null ? -1 : b.bytes.length;
    }

    @Override
    public BlobReader openBlob(Digest digest) {
        Blob b = blobs.get(digest);
        return b == null ? null : new Reader(() -> new View(b.bytes, b.bytes.length), b.bytes.length);
    }

    @Override
    public byte[] readBlob(Digest digest, int maxBytes) {
        Blob b = blobs.get(digest);
        return b == null || b.bytes.length > maxBytes ? null : b.bytes.clone();
    }

    /**
     * A full disk, for tests: uploads may write {@code bytes} more in all, then every write fails
     * as one to a full disk would (an {@code IOException}; nothing of the failed write is kept).
     */
    public void fillDiskAfter(long bytes) {
        room.set(bytes);
    }

    /** For tests: new uploads fail (an {@code IOException}, as when the upload folder cannot be written). */
    public void refuseUploads(boolean refuse) {
        refuseUploads = refuse;
    }

    /** For tests: commits fail (an {@code IOException}, as when the publishing rename fails). */
    public void refuseCommits(boolean refuse) {
        refuseCommits = refuse;
    }

    @Override
    public BlobUpload newUpload(RepositoryName repository) throws IOException {
        if (refuseUploads) {
            throw new IOException("No space left on device (a test's datastore)");
        }
        Upload u = new Upload(repository);
        uploads.add(u);
        return u;
    }

    @Override
    public boolean deleteBlob(Digest digest) {
        return blobs.remove(digest) != null;
    }

    /** Stores {@code bytes} as a blob written at {@code writtenMillis}, unverified: a test's setup. */
    public void putBlobAt(Digest digest, byte[] bytes, long writtenMillis) {
        blobs.put(digest, new Blob(bytes.clone(), writtenMillis, writtenMillis));
    }

    // ---- uses

    @Override
    public boolean recordUse(Digest digest, Instant time, boolean overwrite) {
        long millis = time.toEpochMilli();
        Blob b = blobs.computeIfPresent(
                digest,
                (d, old) ->
                        overwrite || old.lastUseMillis < millis ? new Blob(old.bytes, old.writtenMillis, millis) : old);
        return b != null;
    }

    @Override
    public long lastUse(Digest digest) {
        Blob b = blobs.get(digest);
        return b == null ? -1 : Math.max(b.writtenMillis, b.lastUseMillis);
    }

    // ---- scanning

    @Override
    public List<String> blobPartitions() {
        TreeMap<String, Boolean> parts = new TreeMap<>();
        for (Digest d : blobs.keySet()) {
            parts.put(partitionOf(d), true);
        }
        return new ArrayList<>(parts.keySet());
    }

    private static String partitionOf(Digest d) {
        return d.algorithm().id() + "/" + d.hex().substring(0, 2);
    }

    @Override
    public void scanBlobs(String partition, BlobVisitor visitor) {
        for (Map.Entry<Digest, Blob> e : blobs.entrySet()) {
            Digest d = e.getKey();
            if (partitionOf(d).equals(partition)) {
                Blob b = e.getValue();
                visitor.blob(
                        d.algorithm(),
                        HexFormat.of().parseHex(d.hex()),
                        b.bytes.length,
                        Math.max(b.writtenMillis, b.lastUseMillis));
            }
        }
    }

    @Override
    public UploadsSummary scanUploads(Duration stale, boolean removeStale) {
        long cutoff = clock.millis() - stale.toMillis();
        int live = 0;
        int dead = 0;
        long liveBytes = 0;
        long deadBytes = 0;
        for (Upload u : uploads) {
            if (u.lastWriteMillis() >= cutoff) {
                live++;
                liveBytes += u.length();
            } else {
                dead++;
                deadBytes += u.length();
                if (removeStale) {
                    uploads.remove(u);
                }
            }
        }
        return new UploadsSummary(live, liveBytes, dead, deadBytes);
    }

    /** Counts as the file layout does: a tag whose manifest is gone goes with its history, uncounted. */
    @Override
    public PruneSummary pruneDangling(BlobPresence stored, boolean dryRun, IoWorkers workers) {
        int[] counts = new int[3];
        for (RepositoryName name : repositories.keySet()) {
            repositories.computeIfPresent(name, (n, r) -> {
                Pruned pruned = new Pruned(stored, dryRun);
                pruned.links(r.layers);
                pruned.links(r.manifests);
                for (Map.Entry<Tag, Digest> t : r.tags.entrySet()) {
                    if (!pruned.isStored(t.getValue())) {
                        pruned.tags++;
                        if (!dryRun) {
                            r.tags.remove(t.getKey());
                            r.history.remove(t.getKey());
                        }
                    } else {
                        pruned.links(r.history.getOrDefault(t.getKey(), Set.of()));
                    }
                }
                counts[0] += pruned.links;
                counts[1] += pruned.tags;
                if (!dryRun && r.isEmpty() && uploads.stream().noneMatch(u -> u.repository.equals(n))) {
                    counts[2]++;
                    return null;
                }
                return r;
            });
        }
        return new PruneSummary(counts[0], counts[1], counts[2]);
    }

    /** What a prune of one repository removed (or would). */
    private static final class Pruned {
        private final BlobPresence stored;
        private final boolean dryRun;
        int links;
        int tags;

        Pruned(BlobPresence stored, boolean dryRun) {
            this.stored = stored;
            this.dryRun = dryRun;
        }

        boolean isStored(Digest d) {
            return stored.stored(d.algorithm(), HexFormat.of().parseHex(d.hex()));
        }

        void links(Set<Digest> set) {
            for (Digest d : set) {
                if (!isStored(d)) {
                    links++;
                    if (!dryRun) {
                        set.remove(d);
                    }
                }
            }
        }
    }

    // ---- links and tags

    /** Changes a repository's links atomically against a prune that would remove it. */
    private void update(RepositoryName name, Consumer<Repository> change) {
        repositories.compute(name, (n, r) -> {
            Repository repo = r == null ? new Repository() : r;
            change.accept(repo);
            return repo;
        });
    }

    @Override
    public boolean repositoryExists(RepositoryName repository) {
        return repositories.containsKey(repository) || uploads.stream().anyMatch(u -> u.repository.equals(repository));
    }

    @Override
    public void linkLayer(RepositoryName repository, Digest digest) {
        update(repository, r -> r.layers.add(digest));
    }

    @Override
    public boolean layerLinked(RepositoryName repository, Digest digest) {
        Repository r = repositories.get(repository);
        return r != null && r.layers.contains(digest);
    }

    @Override
    public void linkManifest(RepositoryName repository, Digest digest) {
        update(repository, r -> r.manifests.add(digest));
    }

    @Override
    public boolean manifestLinked(RepositoryName repository, Digest digest) {
        Repository r = repositories.get(repository);
        return r != null && r.manifests.contains(digest);
    }

    @Override
    public void tag(RepositoryName repository, Tag tag, Digest digest) {
        update(repository, r -> {
            r.history.computeIfAbsent(tag, t -> ConcurrentHashMap.newKeySet()).add(digest);
            r.tags.put(tag, digest);
        });
    }

    @Override
    public Digest tagTarget(RepositoryName repository, Tag tag) {
        Repository r = repositories.get(repository);
        return r == null ? null : r.tags.get(tag);
    }

    @Override
    public List<Tag> tags(RepositoryName repository) {
        Repository r = repositories.get(repository);
        return r == null ? List.of() : new ArrayList<>(r.tags.keySet());
    }

    // ---- browsing and purging

    @Override
    public List<RepositoryName> repositories() {
        List<RepositoryName> out = new ArrayList<>();
        repositories.forEach((name, r) -> {
            if (!r.isEmpty()) {
                out.add(name);
            }
        });
        out.sort(null);
        return out;
    }

    @Override
    public List<Digest> manifestRevisions(RepositoryName repository) {
        Repository r = repositories.get(repository);
        return r == null ? List.of() : new ArrayList<>(r.manifests);
    }

    @Override
    public List<Digest> layerLinks(RepositoryName repository) {
        Repository r = repositories.get(repository);
        return r == null ? List.of() : new ArrayList<>(r.layers);
    }

    @Override
    public boolean unlinkLayer(RepositoryName repository, Digest digest) {
        boolean[] removed = {false};
        update(repository, r -> removed[0] = r.layers.remove(digest));
        return removed[0];
    }

    @Override
    public boolean unlinkManifest(RepositoryName repository, Digest digest) {
        boolean[] removed = {false};
        update(repository, r -> removed[0] = r.manifests.remove(digest));
        return removed[0];
    }

    @Override
    public boolean untag(RepositoryName repository, Tag tag) {
        boolean[] removed = {false};
        update(repository, r -> {
            removed[0] = r.tags.remove(tag) != null;
            r.history.remove(tag);
        });
        return removed[0];
    }

    // ---- marks

    private final Map<Mark, Map<String, byte[]>> marks = new ConcurrentHashMap<>();

    private Map<String, byte[]> marksOf(Mark mark) {
        return marks.computeIfAbsent(mark, m -> new ConcurrentSkipListMap<>());
    }

    @Override
    public void putMark(Mark mark, String key, byte[] record) {
        marksOf(mark).put(Mark.checkKey(key), record.clone());
    }

    @Override
    public byte[] readMark(Mark mark, String key) {
        byte[] record = marksOf(mark).get(Mark.checkKey(key));
        return record == null ? null : record.clone();
    }

    @Override
    public boolean hasMark(Mark mark, String key) {
        return marksOf(mark).containsKey(Mark.checkKey(key));
    }

    @Override
    public boolean deleteMark(Mark mark, String key) {
        return marksOf(mark).remove(Mark.checkKey(key)) != null;
    }

    @Override
    public List<String> marks(Mark mark) {
        return new ArrayList<>(marksOf(mark).keySet());
    }

    // ---- uploads and readers

    /** A source of bytes that may grow: an upload's buffer, or a blob's fixed bytes. */
    private interface Bytes {
        /** The bytes so far: {@code length} bytes of an array whose prefix is never written again. */
        View view();
    }

    private record View(byte[] bytes, int length) {}

    private final class Upload implements BlobUpload {
        private final RepositoryName repository;
        private byte[] buffer = new byte[1024];
        private int length;
        private long lastWrite = clock.millis();
        private volatile boolean committed;
        private volatile boolean closed;
        private volatile byte[] published;

        Upload(RepositoryName repository) {
            this.repository = repository;
        }

        synchronized int length() {
            return length;
        }

        synchronized long lastWriteMillis() {
            return lastWrite;
        }

        @Override
        public synchronized void write(ByteBuffer bytes) throws IOException {
            if (closed || committed) {
                throw new IOException("upload closed");
            }
            int n = bytes.remaining();
            if (room.get() >= 0 && room.getAndUpdate(r -> r >= n ? r - n : r) < n) {
                throw new IOException("No space left on device (a test's datastore)");
            }
            if (length + n > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + n));
            }
            bytes.get(buffer, length, n);
            length += n;
            lastWrite = clock.millis();
        }

        private synchronized View view() {
            byte[] p = published;
            return p != null ? new View(p, p.length) : new View(buffer, length);
        }

        @Override
        public BlobReader openReader() throws IOException {
            if (closed && !committed) {
                throw new IOException("upload discarded");
            }
            return new Reader(this::view, -1);
        }

        @Override
        public void commit(Digest digest) throws IOException {
            if (refuseCommits) {
                throw new IOException("cannot publish (a test's datastore)");
            }
            byte[] bytes;
            synchronized (this) {
                if (closed || committed) {
                    throw new IOException("upload closed");
                }
                bytes = Arrays.copyOf(buffer, length);
                published = bytes;
                committed = true;
            }
            long now = clock.millis();
            blobs.put(digest, new Blob(bytes, now, now));
            uploads.remove(this);
        }

        @Override
        public void close() {
            closed = true;
            uploads.remove(this);
        }
    }

    /** Reads a blob's bytes, or an upload's as far as written (fixed: -1 for a growing source). */
    private static final class Reader implements BlobReader {
        private final Bytes source;
        private final long fixed;

        Reader(Bytes source, long fixed) {
            this.source = source;
            this.fixed = fixed;
        }

        @Override
        public long size() {
            return fixed >= 0 ? fixed : source.view().length();
        }

        @Override
        public int read(ByteBuffer dst, long position) {
            View v = source.view();
            if (position >= v.length()) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), v.length() - position);
            dst.put(v.bytes(), (int) position, n);
            return n;
        }

        @Override
        public ByteBuffer window(long position, int length) throws IOException {
            View v = source.view();
            if (position + length > v.length()) {
                throw new IOException("window past the end");
            }
            return ByteBuffer.wrap(v.bytes(), (int) position, length).slice().asReadOnlyBuffer();
        }

        @Override
        public void release(ByteBuffer window) {
            // heap bytes: nothing to give back
        }

        @Override
        public void close() {
            // nothing held
        }
    }

    // ---- leases

    private final Map<String, Lease> leases = new java.util.HashMap<>();

    @Override
    public synchronized boolean holdLease(String name, String holder, Instant now, Duration term) {
        for (String word : new String[] {name, holder}) {
            if (word == null || !word.matches("[A-Za-z0-9._-]{1,128}")) {
                throw new IllegalArgumentException("'" + word + "': expected letters, digits, '.', '_' or '-'");
            }
        }
        Lease current = leases.get(name);
        if (current != null && !current.holder().equals(holder) && current.runsAt(now, term)) {
            return false;
        }
        leases.put(name, new Lease(holder, now.plus(term).toEpochMilli()));
        return true;
    }

    @Override
    public synchronized void releaseLease(String name, String holder) {
        leases.computeIfPresent(name, (n, l) -> l.holder().equals(holder) ? null : l);
    }
}
