package dev.registrycache.node.api;

import dev.registrycache.common.oci.Digest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recently served manifests held in memory, bounded by their total size. Manifests are
 * immutable by digest, so this only saves the disk reads and JSON sniffing of hot manifests.
 */
public final class ManifestCache {
    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<Digest, ManifestService.Manifest> entries = new LinkedHashMap<>(256, 0.75f, true);

    public ManifestCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    public synchronized ManifestService.Manifest get(Digest digest) {
        return entries.get(digest);
    }

    public synchronized void put(ManifestService.Manifest m) {
        if (m.bytes().length > maxBytes / 4) {
            return;
        }
        ManifestService.Manifest old = entries.put(m.digest(), m);
        if (old != null) {
            bytes -= old.bytes().length;
        }
        bytes += m.bytes().length;
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Digest, ManifestService.Manifest> e = it.next();
            bytes -= e.getValue().bytes().length;
            it.remove();
        }
    }

    public synchronized void remove(Digest digest) {
        ManifestService.Manifest old = entries.remove(digest);
        if (old != null) {
            bytes -= old.bytes().length;
        }
    }
}
