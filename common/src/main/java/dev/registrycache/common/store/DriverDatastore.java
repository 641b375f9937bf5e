package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.oci.Tag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The datastore's registry logic, once, over any {@link StorageDriver}: blobs published from
 * uploads, links and tags as distribution keeps them ({@link StoreKeys}), uses, the scans and the
 * prune of the cleaner, the operators' marks and the replicas' leases. A file system and an object
 * store differ only in their driver.
 */
public class DriverDatastore implements Datastore {
    private final StorageDriver driver;
    private final Leases leases;

    public DriverDatastore(StorageDriver driver) {
        this.driver = driver;
        this.leases = new Leases(driver, StoreKeys.leases());
    }

    public StorageDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        driver.close();
    }

    // ---- blobs

    @Override
    public long blobSize(Digest digest) {
        try {
            StorageDriver.Info info = driver.stat(StoreKeys.blobData(digest));
            return info == null ? -1 : info.size();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public BlobReader openBlob(Digest digest) throws IOException {
        return driver.reader(StoreKeys.blobData(digest));
    }

    @Override
    public byte[] readBlob(Digest digest, int maxBytes) throws IOException {
        return driver.get(StoreKeys.blobData(digest), maxBytes);
    }

    @Override
    public BlobUpload newUpload(RepositoryName repository) throws IOException {
        return upload(driver.upload(StoreKeys.uploadDir(repository, UUID.randomUUID())));
    }

    @Override
    public BlobUpload newUpload(RepositoryName repository, Digest digest) throws IOException {
        return upload(driver.upload(StoreKeys.uploadDir(repository, UUID.randomUUID()), StoreKeys.blobData(digest)));
    }

    private static BlobUpload upload(StorageDriver.Upload upload) {
        return new BlobUpload() {
            @Override
            public void write(ByteBuffer bytes) throws IOException {
                upload.write(bytes);
            }

            @Override
            public BlobReader openReader() throws IOException {
                return upload.openReader();
            }

            @Override
            public void commit(Digest digest) throws IOException {
                upload.publish(StoreKeys.blobData(digest));
            }

            @Override
            public void close() {
                upload.close();
            }
        };
    }

    @Override
    public boolean deleteBlob(Digest digest) {
        try {
            if (!driver.delete(StoreKeys.blobData(digest))) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        String dir = StoreKeys.blobDir(digest);
        driver.deleteEmptyFolders(dir, StoreKeys.parent(dir));
        return true;
    }

    // ---- uses

    @Override
    public boolean recordUse(Digest digest, Instant time, boolean overwrite) {
        try {
            return driver.recordUse(StoreKeys.blobData(digest), time, overwrite);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public long lastUse(Digest digest) {
        try {
            return driver.lastUse(StoreKeys.blobData(digest));
        } catch (IOException e) {
            return -1;
        }
    }

    // ---- scanning

    /** The {@code blobs/<alg>/<xx>} folders, as {@code <alg>/<xx>}. */
    @Override
    public List<String> blobPartitions() {
        List<String> out = new ArrayList<>();
        for (String algorithm : BestEffort.names(driver, StoreKeys.blobsRoot())) {
            for (String prefix : BestEffort.names(driver, StoreKeys.join(StoreKeys.blobsRoot(), algorithm))) {
                out.add(algorithm + "/" + prefix);
            }
        }
        return out;
    }

    /** One listing of a {@code blobs/<alg>/<xx>} folder, with each {@code <hex>/data}'s info. */
    @Override
    public void scanBlobs(String partition, BlobVisitor visitor) {
        String algorithm = partition.substring(0, Math.max(0, partition.indexOf('/')));
        Digest.Algorithm known = Digest.Algorithm.byId(algorithm);
        if (known == null) {
            return;
        }
        List<StorageDriver.Child> blobs;
        try {
            blobs = driver.listObjects(StoreKeys.join(StoreKeys.blobsRoot(), partition), StoreKeys.DATA);
        } catch (IOException e) {
            return; // the folder went away, or the store failed: nothing of it counts this pass
        }
        for (StorageDriver.Child blob : blobs) {
            byte[] hash = StoreKeys.hashOf(algorithm, blob.name());
            if (hash != null) {
                visitor.blob(known, hash, blob.info().size(), blob.lastUseMillis());
            }
        }
    }

    @Override
    public UploadsSummary scanUploads(Duration stale, boolean removeStale) {
        return new UploadScan(driver, stale).run(removeStale);
    }

    @Override
    public PruneSummary pruneDangling(BlobPresence stored, boolean dryRun, IoWorkers workers) {
        return new LinkPruner(driver, stored, workers).prune(dryRun);
    }

    // ---- links and tags: writes

    @Override
    public void linkLayer(RepositoryName repository, Digest digest) throws IOException {
        writeLink(StoreKeys.layerLink(repository, digest), digest);
    }

    @Override
    public void linkManifest(RepositoryName repository, Digest digest) throws IOException {
        writeLink(StoreKeys.manifestRevisionLink(repository, digest), digest);
    }

    @Override
    public void tag(RepositoryName repository, Tag tag, Digest digest) throws IOException {
        writeLink(StoreKeys.tagIndexLink(repository, tag, digest), digest);
        writeLink(StoreKeys.tagCurrentLink(repository, tag), digest);
    }

    /** Writes a link unless it already holds that digest. */
    private void writeLink(String key, Digest digest) throws IOException {
        if (!digest.equals(LinkFile.read(driver, key))) {
            driver.put(key, LinkFile.bytes(digest));
        }
    }

    // ---- links and tags: reads

    @Override
    public boolean repositoryExists(RepositoryName repository) {
        return !BestEffort.names(driver, StoreKeys.repository(repository)).isEmpty();
    }

    @Override
    public boolean layerLinked(RepositoryName repository, Digest digest) {
        return exists(StoreKeys.layerLink(repository, digest));
    }

    @Override
    public boolean manifestLinked(RepositoryName repository, Digest digest) {
        return exists(StoreKeys.manifestRevisionLink(repository, digest));
    }

    @Override
    public Digest tagTarget(RepositoryName repository, Tag tag) {
        return LinkFile.read(driver, StoreKeys.tagCurrentLink(repository, tag));
    }

    @Override
    public List<Tag> tags(RepositoryName repository) {
        List<Tag> tags = new ArrayList<>();
        for (String name : BestEffort.names(driver, StoreKeys.tagsDir(repository))) {
            if (Tag.isValid(name)) {
                tags.add(Tag.parse(name));
            }
        }
        tags.sort(null);
        return tags;
    }

    // ---- browsing and purging

    @Override
    public List<RepositoryName> repositories() {
        List<RepositoryName> out = new ArrayList<>();
        findRepositories(StoreKeys.repositoriesRoot(), out);
        out.sort(null);
        return out;
    }

    /** Adds the repositories at and under {@code folder}: one with a links folder is one, and may hold others. */
    private void findRepositories(String folder, List<RepositoryName> out) {
        boolean repository = false;
        for (String name : BestEffort.names(driver, folder)) {
            if (name.equals(StoreKeys.LAYERS) || name.equals(StoreKeys.MANIFESTS)) {
                repository = true;
            } else if (!name.startsWith("_")) {
                findRepositories(StoreKeys.join(folder, name), out);
            }
        }
        if (repository) {
            StoreKeys.repositoryAt(folder).ifPresent(out::add);
        }
    }

    @Override
    public List<Digest> manifestRevisions(RepositoryName repository) {
        return linkedDigests(StoreKeys.revisionsDir(repository));
    }

    @Override
    public List<Digest> layerLinks(RepositoryName repository) {
        return linkedDigests(StoreKeys.layersDir(repository));
    }

    /** The digests of the {@code <alg>/<hex>/link} objects under {@code folder}, named by their folders. */
    private List<Digest> linkedDigests(String folder) {
        List<Digest> out = new ArrayList<>();
        for (String algorithm : BestEffort.names(driver, folder)) {
            Digest.Algorithm known = Digest.Algorithm.byId(algorithm);
            if (known == null) {
                continue;
            }
            try {
                for (StorageDriver.Child link : driver.listObjects(StoreKeys.join(folder, algorithm), StoreKeys.LINK)) {
                    byte[] hash = StoreKeys.hashOf(algorithm, link.name());
                    if (hash != null) {
                        out.add(Digest.fromHash(known, hash));
                    }
                }
            } catch (IOException e) {
                // the folder went away meanwhile
            }
        }
        return out;
    }

    @Override
    public boolean unlinkLayer(RepositoryName repository, Digest digest) {
        return unlink(StoreKeys.layerLink(repository, digest));
    }

    @Override
    public boolean unlinkManifest(RepositoryName repository, Digest digest) {
        return unlink(StoreKeys.manifestRevisionLink(repository, digest));
    }

    @Override
    public boolean untag(RepositoryName repository, Tag tag) {
        String dir = StoreKeys.tagDir(repository, tag);
        if (BestEffort.names(driver, dir).isEmpty()) {
            return false;
        }
        try {
            driver.deleteTree(dir);
        } catch (IOException e) {
            return false;
        }
        driver.deleteEmptyFolders(StoreKeys.parent(dir), StoreKeys.repositoriesRoot());
        return true;
    }

    /** Deletes a link and the folders it leaves empty, up to the repositories' root. */
    private boolean unlink(String link) {
        try {
            if (!driver.delete(link)) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        driver.deleteEmptyFolders(StoreKeys.parent(link), StoreKeys.repositoriesRoot());
        return true;
    }

    // ---- marks

    @Override
    public void putMark(Mark mark, String key, byte[] record) throws IOException {
        driver.put(StoreKeys.markRecord(mark, key), record);
    }

    @Override
    public byte[] readMark(Mark mark, String key) {
        try {
            return driver.get(StoreKeys.markRecord(mark, key), MAX_MARK_BYTES);
        } catch (IOException e) {
            return null;
        }
    }

    /** Larger than any record the cache writes: a bigger one is not read. */
    private static final int MAX_MARK_BYTES = 64 * 1024;

    @Override
    public boolean hasMark(Mark mark, String key) {
        return exists(StoreKeys.markRecord(mark, key));
    }

    @Override
    public boolean deleteMark(Mark mark, String key) {
        try {
            return driver.delete(StoreKeys.markRecord(mark, key));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public List<String> marks(Mark mark) {
        List<String> keys = new ArrayList<>();
        for (String name : BestEffort.names(driver, StoreKeys.markFolder(mark))) {
            String key = StoreKeys.markKeyOf(name);
            if (key != null) {
                keys.add(key);
            }
        }
        keys.sort(null);
        return keys;
    }

    // ---- leases

    @Override
    public boolean holdLease(String name, String holder, Instant now, Duration term) throws IOException {
        return leases.hold(name, holder, now, term);
    }

    @Override
    public void releaseLease(String name, String holder) throws IOException {
        leases.release(name, holder);
    }

    // ---- helpers

    private boolean exists(String key) {
        try {
            return driver.stat(key) != null;
        } catch (IOException e) {
            return false;
        }
    }
}
