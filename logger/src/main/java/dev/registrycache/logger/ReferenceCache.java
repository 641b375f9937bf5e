package dev.registrycache.logger;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ManifestSummary;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What recently used manifests reference, so that a manifest pulled again and again is read
 * once. Bounded by the number of digests it holds, not of manifests: one manifest may
 * reference up to {@link ManifestSummary#MAX_REFERENCES} blobs.
 */
final class ReferenceCache {
    private final int maxDigests;
    private final LinkedHashMap<Digest, ManifestSummary> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private int digests;

    ReferenceCache(int maxDigests) {
        this.maxDigests = maxDigests;
    }

    ManifestSummary get(Digest manifest) {
        return entries.get(manifest);
    }

    /** Remembers {@code summary} unless it alone would take more than a quarter of the cache. */
    void put(Digest manifest, ManifestSummary summary) {
        int weight = weight(summary);
        if (weight > maxDigests / 4) {
            return;
        }
        ManifestSummary old = entries.put(manifest, summary);
        digests += weight - (old == null ? 0 : weight(old));
        Iterator<Map.Entry<Digest, ManifestSummary>> eldest = entries.entrySet().iterator();
        while (digests > maxDigests && eldest.hasNext()) {
            digests -= weight(eldest.next().getValue());
            eldest.remove();
        }
    }

    /** The digests held for one manifest: its own and its references. */
    private static int weight(ManifestSummary summary) {
        return 1 + summary.blobs().size() + summary.manifests().size();
    }
}
