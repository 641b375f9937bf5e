package dev.registrycache.common.store.s3;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.settings.S3Settings;
import dev.registrycache.common.store.BlobReader;
import dev.registrycache.common.store.StorageDriver;
import dev.registrycache.common.store.StoreKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The datastore's objects in an S3 bucket (any S3-compatible store), under S3_PREFIX, in
 * distribution's layout as its S3 driver keeps it. What the {@link StorageDriver} contract asks,
 * and how S3 gives it:
 *
 * <ul>
 *   <li>{@link #stat} is a HEAD, {@link #get} a GET (refused by its Content-Length when larger than
 *       asked), {@link #put} a PUT, {@link #putIfAbsent} a PUT with {@code If-None-Match: *}, which
 *       S3 (since 2024), MinIO, R2 and Ceph make atomic: of writers at once exactly one gets 200,
 *       the others 412. {@link #open} checks that the store honours it and refuses to start
 *       otherwise, since the replicas' leases rest on it.
 *   <li>{@link #reader} streams GETs ({@link S3Reader}). A reader holds what its GET streams, but
 *       one that must open another GET (a read elsewhere, a broken connection) fails if the
 *       object was deleted or replaced meanwhile: the cleaner's grace period keeps blobs in use.
 *   <li>{@link #upload} keeps the bytes in a local file for its readers and sends them as a
 *       multipart upload while they come ({@link S3Upload}); only its publish puts them at a key.
 *   <li>{@link #list} is one ListObjectsV2 with the delimiter {@code /}, {@link #listObjects} one
 *       without (page after page), which also reads the objects' side records.
 *   <li>S3 keeps no access time. A use is an empty side record {@code <key>~use/<epoch millis>}
 *       ({@link SideRecords}), which the listing that finds the object reads with it: the
 *       cleaner's scan costs no request per blob. {@link #recordUse} writes one only when it moves
 *       the use later (or overwrites), then deletes the older: a use costs one LIST and one PUT,
 *       never a read-modify-write of a shared object, and two replicas recording at once both
 *       land (the later wins). The logger batches uses, so this is once per blob per batch.
 *   <li>There are no folders: a "folder" exists while an object is under it, so {@link
 *       #deleteEmptyFolders} has nothing to do.
 * </ul>
 *
 * Keys are checked: no empty, {@code .} or {@code ..} segment, and no {@code '~'}, which is the
 * side records'. Write times are the store's, in whole seconds (as a HEAD gives them).
 */
public final class S3Driver implements StorageDriver, AutoCloseable {
    private final S3Client client;
    private final Bucket bucket;
    private final Options options;

    /**
     * How the driver works, besides where the bucket is: the local folder of the uploads' bytes,
     * how long a request may go without a byte moving before it fails, how often a failing request
     * is tried and the pause before the second try (doubled twice each time), and the parts'
     * sizes ({@link Parts}).
     */
    public record Options(
            Path scratchDir,
            Duration idleTimeout,
            int attempts,
            Duration firstPause,
            long firstPart,
            long maxSingleCopy,
            long copyPart) {
        public Options {
            if (idleTimeout.isNegative() || idleTimeout.isZero() || attempts < 1 || firstPause.isNegative()) {
                throw new IllegalArgumentException("a positive idle timeout, at least one attempt, no negative pause");
            }
            new Parts(firstPart, maxSingleCopy, copyPart); // checks the sizes
        }

        public static Options of(Path scratchDir) {
            return new Options(
                    scratchDir,
                    Duration.ofSeconds(30),
                    4,
                    Duration.ofMillis(200),
                    Parts.DEFAULT.first(),
                    Parts.DEFAULT.maxSingleCopy(),
                    Parts.DEFAULT.copyPart());
        }

        public Options withIdleTimeout(Duration idle) {
            return new Options(scratchDir, idle, attempts, firstPause, firstPart, maxSingleCopy, copyPart);
        }

        Options withParts(Parts parts) {
            return new Options(
                    scratchDir,
                    idleTimeout,
                    attempts,
                    firstPause,
                    parts.first(),
                    parts.maxSingleCopy(),
                    parts.copyPart());
        }

        Parts parts() {
            return new Parts(firstPart, maxSingleCopy, copyPart);
        }
    }

    private S3Driver(S3Client client, Options options) {
        this.client = client;
        this.bucket = new Bucket(client);
        this.options = options;
    }

    /**
     * A driver of the bucket {@code settings} name, checked: the bucket answers a listing with
     * these credentials, and a conditional write is refused when the object exists. Otherwise an
     * IOException says what is wrong, and nothing is left running.
     */
    public static S3Driver open(S3Settings settings, Options options) throws IOException {
        return open(settings, options, new Metrics());
    }

    /** As {@link #open(S3Settings, Options)}, its requests counted in {@code metrics}. */
    public static S3Driver open(S3Settings settings, Options options, Metrics metrics) throws IOException {
        S3Client client =
                new S3Client(settings, options.idleTimeout(), options.attempts(), options.firstPause(), metrics);
        S3Driver driver = new S3Driver(client, options);
        try {
            Files.createDirectories(options.scratchDir());
            client.start();
            driver.bucket.list("", "/", null);
            driver.checkConditionalWrites();
            return driver;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Refuses a store that ignores {@code If-None-Match: *}: two replicas could then hold one lease. */
    private void checkConditionalWrites() throws IOException {
        String probe = StoreKeys.join(".s3-probe", UUID.randomUUID().toString());
        byte[] bytes = "probe".getBytes(StandardCharsets.US_ASCII);
        try {
            if (!bucket.putIfAbsent(probe, bytes) || bucket.putIfAbsent(probe, bytes)) {
                throw new IOException("S3 bucket " + bucket.address().bucket() + " does not honour If-None-Match: *"
                        + " (conditional writes): the replicas' leases need a store that does");
            }
        } finally {
            bucket.delete(probe);
        }
    }

    S3Client client() {
        return client;
    }

    Bucket bucket() {
        return bucket;
    }

    @Override
    public Info stat(String key) throws IOException {
        Bucket.Head head = bucket.head(check(key));
        return head == null ? null : new Info(head.size(), head.modifiedMillis());
    }

    @Override
    public long lastUse(String key) throws IOException {
        ObjectView view = view(check(key));
        return view.info() == null ? -1 : view.lastUse();
    }

    @Override
    public byte[] get(String key, int maxBytes) throws IOException {
        S3Response response = bucket.get(check(key), 0, null);
        if (response == null) {
            return null;
        }
        try (response) {
            if (response.status() != 200) {
                throw new IOException("S3 GET " + bucket.address().describe(key) + ": answered " + response.status());
            }
            return response.contentLength() > maxBytes ? null : response.readAll(maxBytes);
        }
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        bucket.put(check(key), S3Client.Body.of(bytes));
    }

    @Override
    public boolean putIfAbsent(String key, byte[] bytes) throws IOException {
        return bucket.putIfAbsent(check(key), bytes);
    }

    @Override
    public BlobReader reader(String key) throws IOException {
        return S3Reader.open(bucket, check(key));
    }

    @Override
    public Upload upload(String scratch) throws IOException {
        return S3Upload.start(this, options.parts(), options.scratchDir(), StoreKeys.dataIn(check(scratch)), null);
    }

    /** The multipart upload goes to {@code key} itself: its publish completes it there, with no copy. */
    @Override
    public Upload upload(String scratch, String key) throws IOException {
        return S3Upload.start(
                this, options.parts(), options.scratchDir(), StoreKeys.dataIn(check(scratch)), check(key));
    }

    @Override
    public List<String> list(String folder) throws IOException {
        String prefix = folderPrefix(folder);
        Set<String> names = new LinkedHashSet<>();
        String token = null;
        do {
            S3Xml.ListPage page = bucket.list(prefix, "/", token);
            for (S3Xml.Listed object : page.objects()) {
                names.add(object.key().substring(prefix.length()));
            }
            for (String p : page.prefixes()) {
                names.add(p.substring(prefix.length(), p.length() - 1));
            }
            token = page.next();
        } while (token != null);
        names.removeIf(name -> name.isEmpty() || SideRecords.isSide(name));
        return new ArrayList<>(names);
    }

    /** One listing of everything under {@code folder}: the objects {@code <name>/<leaf>} with their side records. */
    @Override
    public List<Child> listObjects(String folder, String leaf) throws IOException {
        String prefix = folderPrefix(folder);
        Map<String, ObjectView.Builder> found = new LinkedHashMap<>();
        for (S3Xml.Listed listed : bucket.listAll(prefix)) {
            String rest = listed.key().substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                continue;
            }
            String name = rest.substring(0, slash);
            String object = prefix + name + "/" + leaf;
            if (SideRecords.of(object, listed.key()).kind() != SideRecords.Kind.OTHER) {
                found.computeIfAbsent(name, n -> new ObjectView.Builder(object)).add(listed);
            }
        }
        List<Child> children = new ArrayList<>();
        for (Map.Entry<String, ObjectView.Builder> entry : found.entrySet()) {
            ObjectView view = entry.getValue().build();
            if (view.objectOrUpload() != null) {
                children.add(new Child(entry.getKey(), view.objectOrUpload(), view.lastUse()));
            }
        }
        return children;
    }

    @Override
    public boolean delete(String key) throws IOException {
        ObjectView view = view(check(key));
        List<String> keys = new ArrayList<>(view.sideKeys());
        if (view.info() != null) {
            keys.add(key);
        }
        if (keys.size() == 1) {
            bucket.delete(keys.get(0));
        } else if (!keys.isEmpty()) {
            bucket.deleteAll(keys);
        }
        return view.info() != null;
    }

    /**
     * Deletes every object under {@code folder}; where an upload's progress record is among them
     * (every upload has one until it is published or discarded), also the multipart uploads under
     * it, which no listing of objects shows: those of a writer that crashed. A multipart upload
     * that an upload made at its blob's key is aborted by the id its record names, so that another
     * writer's upload to the same key goes on.
     */
    @Override
    public void deleteTree(String folder) throws IOException {
        String prefix = folderPrefix(folder);
        List<String> keys = new ArrayList<>();
        List<String[]> atTheirKeys = new ArrayList<>();
        boolean uploads = false;
        for (S3Xml.Listed listed : bucket.listAll(prefix)) {
            keys.add(listed.key());
            uploads |= SideRecords.isProgress(listed.key());
            String[] multipart = SideRecords.multipartOf(listed.key());
            if (multipart != null) {
                atTheirKeys.add(multipart);
            }
        }
        for (String[] upload : atTheirKeys) {
            bucket.abortMultipart(upload[0], upload[1]);
        }
        if (!keys.isEmpty()) {
            bucket.deleteAll(keys);
        }
        if (uploads) {
            for (String[] upload : bucket.multipartUploads(prefix)) {
                bucket.abortMultipart(upload[0], upload[1]);
            }
        }
    }

    /** Nothing to do: an object store has no folders, only keys with a common prefix. */
    @Override
    public boolean deleteEmptyFolders(String folder, String top) {
        return false;
    }

    /** Writes a use record if it moves the last use later (or overwrites it), then deletes the older records. */
    @Override
    public boolean recordUse(String key, Instant time, boolean overwrite) throws IOException {
        ObjectView view = view(check(key));
        if (view.info() == null) {
            return false;
        }
        long millis = time.toEpochMilli();
        if (!overwrite && millis <= view.lastUse()) {
            return true;
        }
        List<String> older = new ArrayList<>(view.useKeys());
        if (millis > view.info().modifiedMillis()) { // else the write is the last use
            String record = SideRecords.use(key, millis);
            bucket.put(record, S3Client.Body.of(new byte[0]));
            older.remove(record);
        }
        if (older.size() == 1) {
            bucket.delete(older.get(0));
        } else if (!older.isEmpty()) {
            bucket.deleteAll(older);
        }
        return true;
    }

    /** The object {@code key} and its side records, by one listing of its key as a prefix. */
    private ObjectView view(String key) throws IOException {
        ObjectView.Builder builder = new ObjectView.Builder(key);
        for (S3Xml.Listed listed : bucket.listAll(key)) {
            builder.add(listed);
        }
        return builder.build();
    }

    private static String folderPrefix(String folder) {
        return folder.isEmpty() ? "" : check(folder) + "/";
    }

    /** A key of the datastore: refused if a segment is empty, {@code .} or {@code ..}, or holds the side records' {@code '~'}. */
    private static String check(String key) {
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || SideRecords.isSide(segment)) {
                throw new IllegalArgumentException("'" + key + "' is not a key of the datastore");
            }
        }
        return key;
    }

    @Override
    public void close() {
        client.close();
    }
}
