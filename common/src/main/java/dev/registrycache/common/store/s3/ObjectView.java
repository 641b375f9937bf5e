package dev.registrycache.common.store.s3;

import dev.registrycache.common.store.StorageDriver;
import java.util.ArrayList;
import java.util.List;

/**
 * An object as one listing shows it with its side records ({@link SideRecords}): its info (null if
 * the object is absent), its last use (the later of its write and its newest use record), the
 * keys of its use records and of all its side records, and how far an upload to it has got
 * (null if none is under way).
 */
record ObjectView(
        StorageDriver.Info info,
        long lastUse,
        List<String> useKeys,
        List<String> sideKeys,
        StorageDriver.Info progress) {

    /** The object, or else the upload under way to it: what a scan of uploads counts. */
    StorageDriver.Info objectOrUpload() {
        return info != null ? info : progress;
    }

    /** Collects the listed keys of one object. */
    static final class Builder {
        private final String key;
        private StorageDriver.Info info;
        private long newestUse = -1;
        private final List<String> useKeys = new ArrayList<>();
        private final List<String> sideKeys = new ArrayList<>();
        private StorageDriver.Info progress;

        Builder(String key) {
            this.key = key;
        }

        void add(S3Xml.Listed listed) {
            SideRecords.Found found = SideRecords.of(key, listed.key());
            switch (found.kind()) {
                case OBJECT -> info = new StorageDriver.Info(listed.size(), listed.modifiedMillis());
                case USE -> {
                    newestUse = Math.max(newestUse, found.value());
                    useKeys.add(listed.key());
                    sideKeys.add(listed.key());
                }
                case WRITTEN -> {
                    if (progress == null || found.value() > progress.size()) {
                        progress = new StorageDriver.Info(found.value(), listed.modifiedMillis());
                    }
                    sideKeys.add(listed.key());
                }
                case OTHER -> {
                    // another object whose key starts with this one's
                }
            }
        }

        ObjectView build() {
            long lastUse = info != null
                    ? Math.max(info.modifiedMillis(), newestUse)
                    : progress != null ? progress.modifiedMillis() : -1;
            return new ObjectView(info, lastUse, List.copyOf(useKeys), List.copyOf(sideKeys), progress);
        }
    }
}
