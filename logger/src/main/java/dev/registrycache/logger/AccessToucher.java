package dev.registrycache.logger;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.logdir.AccessLogFormat;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ManifestLimitException;
import dev.registrycache.common.oci.ManifestSummary;
import dev.registrycache.common.store.Datastore;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the uses in the access logs into the blobs' last uses ({@link Datastore#recordUse}),
 * which the cleaner evicts by. A manifest's use also counts for what it references, its config
 * and layers, and for an index its child manifests in the store and theirs, so an image whose
 * layers clients already hold is not evicted while it is pulled. Memory and work are bounded
 * whatever the store holds: manifests are read by {@link ManifestSummary} (streaming, with its
 * limits), what they reference is remembered up to a number of digests, and one use touches and
 * reads at most a fixed amount; what lies beyond is skipped and counted ({@link Skips}), never
 * retried.
 */
final class AccessToucher {
    /** A blob touched this recently (by log time) is not touched again: pulls repeat digests a lot. */
    private static final long RETOUCH_MILLIS = 5_000;
    /** Manifests followed from a use: an index (0), its manifests (1), an index's index's (2). */
    private static final int MAX_DEPTH = 2;
    /** Blobs and manifests one use may touch. */
    private static final int MAX_TOUCHES_PER_USE = ManifestSummary.MAX_REFERENCES;
    /** Bytes of manifests one use may read. */
    private static final long MAX_READ_PER_USE = 16L << 20;
    /** What a manifest beyond the limits is remembered as: nothing to follow. */
    private static final ManifestSummary NOTHING_TO_FOLLOW = new ManifestSummary(null, List.of(), List.of());

    private final Datastore datastore;
    private final Skips skips;
    private final Map<Digest, Long> lastTouched = lru(50_000);
    private final ReferenceCache references = new ReferenceCache(50_000);
    private long touches;

    AccessToucher(Datastore datastore, Skips skips) {
        this.datastore = datastore;
        this.skips = skips;
    }

    private static <K, V> Map<K, V> lru(int max) {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    /**
     * Uses recorded: calls of {@link Datastore#recordUse} on a stored blob, whether or not they
     * moved its last use (the interface does not tell); a repeat within {@link #RETOUCH_MILLIS}
     * is not a call.
     */
    long touches() {
        return touches;
    }

    /** Uses seen since the last {@link #flush()}: per digest, the latest time, and whether it was a manifest. */
    private final Map<Digest, long[]> pending = new java.util.HashMap<>();

    /**
     * Notes a use; the datastore is told in {@link #flush()}, once per digest however many
     * lines name it (a pull names the same blobs many times).
     */
    void accept(AccessLogFormat.Access access) {
        if (!access.isUse()) {
            return;
        }
        long millis = access.time().toEpochMilli();
        long[] entry = pending.get(access.digest());
        if (entry == null) {
            pending.put(access.digest(), new long[] {millis, access.isManifest() ? 1 : 0});
        } else {
            entry[0] = Math.max(entry[0], millis);
            entry[1] |= access.isManifest() ? 1 : 0;
        }
        if (pending.size() >= 10_000) {
            flush();
        }
    }

    /** Applies the uses noted since the last flush; a use that fails is skipped, the others applied. */
    void flush() {
        for (Map.Entry<Digest, long[]> e : pending.entrySet()) {
            Instant time = Instant.ofEpochMilli(e.getValue()[0]);
            try {
                if (e.getValue()[1] == 1) {
                    touchManifest(e.getKey(), time, 0, new UseBudget(e.getKey()));
                } else {
                    touch(e.getKey(), time, false);
                }
            } catch (RuntimeException failure) {
                skips.skip(
                        Skips.Reason.LINE_FAILED,
                        "the use of " + e.getKey() + " could not be applied: " + Reasons.of(failure));
            }
        }
        pending.clear();
    }

    private void touchManifest(Digest digest, Instant time, int depth, UseBudget use) {
        ManifestSummary refs = references.get(digest);
        boolean readNow = false;
        if (refs == null && depth <= 1) {
            refs = read(digest, use);
            readNow = refs != null;
            if (refs != null) {
                references.put(digest, refs);
            }
        }
        // our own read may have counted as a use (a file's access time): set the use's time anyway
        if (!touch(digest, time, readNow) || refs == null) {
            return;
        }
        for (Digest blob : refs.blobs()) {
            if (!use.touch()) {
                return;
            }
            touch(blob, time, false);
        }
        for (Digest child : refs.manifests()) {
            if (depth >= MAX_DEPTH || !use.touch()) {
                return;
            }
            touchManifest(child, time, depth + 1, use);
        }
    }

    /** What the stored manifest references; null if it is not stored or over the use's budget. */
    private ManifestSummary read(Digest digest, UseBudget use) {
        try {
            // the size first: a manifest over the use's budget is not read at all
            long size = datastore.blobSize(digest);
            if (size < 0 || size > ManifestSummary.MAX_BYTES || !use.read(size)) {
                return null;
            }
            byte[] bytes = datastore.readBlob(digest, ManifestSummary.MAX_BYTES);
            return bytes == null ? null : ManifestSummary.read(bytes);
        } catch (ManifestLimitException e) {
            skips.skip(
                    Skips.Reason.MANIFEST_BEYOND_LIMITS, "the references of manifest " + digest + ": " + Reasons.of(e));
            return NOTHING_TO_FOLLOW;
        } catch (IOException e) {
            return null;
        }
    }

    /** What one use of a manifest may still touch and read; going past it is skipped once. */
    private final class UseBudget {
        private final Digest manifest;
        private int touches = MAX_TOUCHES_PER_USE;
        private long readBytes = MAX_READ_PER_USE;
        private boolean exceeded;

        UseBudget(Digest manifest) {
            this.manifest = manifest;
        }

        boolean touch() {
            return touches-- > 0 || exceeded();
        }

        boolean read(long bytes) {
            if (bytes <= readBytes) {
                readBytes -= bytes;
                return true;
            }
            return exceeded();
        }

        private boolean exceeded() {
            if (!exceeded) {
                exceeded = true;
                skips.skip(
                        Skips.Reason.USE_OVER_BUDGET,
                        "the use of manifest " + manifest + " reaches more than " + MAX_TOUCHES_PER_USE
                                + " blobs and manifests or " + (MAX_READ_PER_USE >> 20) + " MiB of manifests");
            }
            return false;
        }
    }

    /**
     * Records the use unless one as recent was recorded (and not {@code force}, which sets the
     * time even if the last use is later); false if the blob is not stored.
     */
    private boolean touch(Digest digest, Instant time, boolean force) {
        long millis = time.toEpochMilli();
        Long last = lastTouched.get(digest);
        if (!force && last != null && last + RETOUCH_MILLIS > millis) {
            return true;
        }
        if (!datastore.recordUse(digest, time, force)) {
            lastTouched.remove(digest);
            return false;
        }
        touches++;
        lastTouched.put(digest, millis);
        return true;
    }
}
