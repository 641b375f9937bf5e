package dev.registrycache.logger;

import dev.registrycache.common.AccessLogFormat;
import dev.registrycache.common.Digest;
import dev.registrycache.common.StoreLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns uses into access times: a blob's {@code data} file gets the time of its last use, set
 * explicitly (so it works on {@code noatime} mounts). A manifest's use also counts for what it
 * references, its config and layers, and for an index its child manifests in the store and
 * theirs, so an image whose layers clients already hold is not evicted while it is pulled.
 */
final class AccessToucher {
    /** A blob touched this recently (by log time) is not touched again: pulls repeat digests a lot. */
    private static final long RETOUCH_MILLIS = 5_000;
    private static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

    private final StoreLayout layout;
    private final Map<Digest, Long> lastTouched = lru(50_000);
    private final Map<Digest, ManifestReferences.References> references = lru(10_000);
    private long touches;

    AccessToucher(StoreLayout layout) {
        this.layout = layout;
    }

    private static <K, V> Map<K, V> lru(int max) {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    long touches() {
        return touches;
    }

    /** Uses seen since the last {@link #flush()}: per digest, the latest time, and whether it was a manifest. */
    private final Map<Digest, long[]> pending = new java.util.HashMap<>();

    /**
     * Notes a use; the file system is touched in {@link #flush()}, once per digest however many
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

    /** Applies the uses noted since the last flush. */
    void flush() {
        for (Map.Entry<Digest, long[]> e : pending.entrySet()) {
            Instant time = Instant.ofEpochMilli(e.getValue()[0]);
            if (e.getValue()[1] == 1) {
                touchManifest(e.getKey(), time, 0);
            } else {
                touch(e.getKey(), time, false);
            }
        }
        pending.clear();
    }

    private void touchManifest(Digest digest, Instant time, int depth) {
        ManifestReferences.References refs = references.get(digest);
        boolean readNow = false;
        if (refs == null && depth <= 1) {
            refs = read(digest);
            readNow = refs != null;
            if (refs != null) {
                references.put(digest, refs);
            }
        }
        // our own read may have moved the access time (relatime): set it to the use's time anyway
        if (!touch(digest, time, readNow) || refs == null) {
            return;
        }
        for (Digest blob : refs.blobs()) {
            touch(blob, time, false);
        }
        for (Digest child : refs.manifests()) {
            touchManifest(child, time, depth + 1);
        }
    }

    private ManifestReferences.References read(Digest digest) {
        Path data = layout.blobData(digest);
        try {
            if (Files.size(data) > MAX_MANIFEST_BYTES) {
                return null;
            }
            return ManifestReferences.of(Files.readAllBytes(data));
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Sets the blob's access time to {@code time} unless it is later already (or {@code force});
     * false if the blob is not stored.
     */
    private boolean touch(Digest digest, Instant time, boolean force) {
        long millis = time.toEpochMilli();
        Long last = lastTouched.get(digest);
        if (!force && last != null && last + RETOUCH_MILLIS > millis) {
            return true;
        }
        Path data = layout.blobData(digest);
        try {
            BasicFileAttributeView view = Files.getFileAttributeView(data, BasicFileAttributeView.class);
            BasicFileAttributes attrs = view.readAttributes();
            if (force || attrs.lastAccessTime().toMillis() < millis) {
                view.setTimes(attrs.lastModifiedTime(), FileTime.fromMillis(millis), null);
                touches++;
            }
            lastTouched.put(digest, millis);
            return true;
        } catch (NoSuchFileException e) {
            lastTouched.remove(digest);
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
