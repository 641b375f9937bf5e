package dev.registrycache.common.marks;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ManifestLimitException;
import dev.registrycache.common.oci.ManifestSummary;
import dev.registrycache.common.store.Datastore;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What an image is made of as far as the store knows it: its manifests (an index and its
 * children), the blobs they reference, the bytes the manifests declare and those the store
 * holds, what is missing, and the last use of any of it. Reading a manifest here is not a pull:
 * a read the store counted as a use is undone.
 */
public record ImageContents(
        Digest root,
        String mediaType,
        Set<Digest> manifests,
        Set<Digest> blobs,
        long declaredBytes,
        long storedBytes,
        int missing,
        long lastUse) {

    /** An index of indexes of more manifests than this is not followed further. */
    static final int MAX_MANIFESTS = 1_000;

    /** Every digest of the image: manifests, then blobs. */
    public Set<Digest> all() {
        Set<Digest> all = new LinkedHashSet<>(manifests);
        all.addAll(blobs);
        return all;
    }

    public static ImageContents of(Datastore store, Digest root) {
        Walk walk = new Walk(store);
        String mediaType = walk.run(root);
        return new ImageContents(
                root, mediaType, walk.manifests, walk.blobs, walk.declared, walk.stored, walk.missing, walk.lastUse);
    }

    /** One walk from a root manifest, breadth first. */
    private static final class Walk {
        private final Datastore store;
        final Set<Digest> manifests = new LinkedHashSet<>();
        final Set<Digest> blobs = new LinkedHashSet<>();
        long declared;
        long stored;
        int missing;
        long lastUse = -1;

        Walk(Datastore store) {
            this.store = store;
        }

        String run(Digest root) {
            Deque<Digest> queue = new ArrayDeque<>();
            queue.add(root);
            manifests.add(root);
            String rootType = null;
            while (!queue.isEmpty()) {
                Digest manifest = queue.poll();
                byte[] bytes = read(manifest);
                if (bytes == null) {
                    continue;
                }
                ManifestSummary summary = summary(bytes);
                if (manifest.equals(root)) {
                    rootType = summary.mediaType();
                    declared = bytes.length;
                }
                declared = saturated(declared + summary.referencedBytes());
                for (Digest blob : summary.blobs()) {
                    if (blobs.add(blob)) {
                        count(blob);
                    }
                }
                for (Digest child : summary.manifests()) {
                    if (manifests.size() < MAX_MANIFESTS && manifests.add(child)) {
                        queue.add(child);
                    }
                }
            }
            return rootType;
        }

        /** A manifest's bytes, counted; null if it is not stored. */
        private byte[] read(Digest manifest) {
            long usedBefore = store.lastUse(manifest);
            if (usedBefore < 0) {
                missing++;
                return null;
            }
            try {
                byte[] bytes = store.readBlob(manifest, ManifestSummary.MAX_BYTES);
                if (store.lastUse(manifest) != usedBefore) {
                    store.recordUse(manifest, Instant.ofEpochMilli(usedBefore), true);
                }
                if (bytes == null) {
                    missing++;
                    return null;
                }
                stored += bytes.length;
                lastUse = Math.max(lastUse, usedBefore);
                return bytes;
            } catch (IOException e) {
                missing++;
                return null;
            }
        }

        private void count(Digest blob) {
            long size = store.blobSize(blob);
            if (size < 0) {
                missing++;
                return;
            }
            stored += size;
            lastUse = Math.max(lastUse, store.lastUse(blob));
        }

        private static ManifestSummary summary(byte[] bytes) {
            try {
                return ManifestSummary.read(bytes);
            } catch (ManifestLimitException e) {
                return new ManifestSummary(null, java.util.List.of(), java.util.List.of());
            }
        }

        private static long saturated(long sum) {
            return sum < 0 ? Long.MAX_VALUE : sum;
        }
    }
}
