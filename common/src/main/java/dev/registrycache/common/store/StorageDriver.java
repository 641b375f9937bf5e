package dev.registrycache.common.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * The bytes level of the datastore, as distribution's {@code StorageDriver} and zot's {@code
 * Driver} are: objects named by keys, with no registry logic. {@link DriverDatastore} holds the
 * registry's logic (links, tags, uploads, uses, pruning, marks, leases) once, over any driver; a
 * file system and an S3 bucket are drivers.
 *
 * <p>Keys are relative, {@code '/'}-separated, without empty, {@code .} or {@code ..} segments;
 * {@link StoreLayout} makes every key the datastore uses. A key's <i>folder</i> is its prefix up to
 * a {@code '/'}: folders exist while an object is under them (on a file system they may also be
 * left empty; {@link #list} shows those, an object store has none).
 *
 * <p>What a driver owes, with several processes (and hosts) at once:
 * <ul>
 * <li><b>Atomic objects.</b> {@link #put}, {@link #putIfAbsent} and {@link Upload#publish} make
 *     an object appear (or change) whole: a reader sees the old bytes or the new ones, never a
 *     part. Of writers that {@link #putIfAbsent} the same key at once, exactly one succeeds.</li>
 * <li><b>Readers keep what they opened</b> where the store can ({@link #reader}): a file stays
 *     readable after it is deleted or replaced. An object store may fail a reader whose object is
 *     deleted meanwhile; the cleaner's grace period keeps that from blobs in use.</li>
 * <li><b>Uploads are private until published</b>: their bytes are readable through {@link
 *     Upload#openReader} as they are written, and at their key only after {@link Upload#publish}.</li>
 * <li><b>Last use.</b> Every object has a last use: the later of its last write and the times
 *     {@link #recordUse} set (a file's access time; a small record beside an object), which
 *     {@link #lastUse} and {@link #listObjects} report. A driver may count its own reads as
 *     uses.</li>
 * <li><b>Absent is not an error</b>: reads of what does not exist answer null, false or empty;
 *     {@link IOException} is for a store that fails.</li>
 * </ul>
 */
public interface StorageDriver extends AutoCloseable {

    /** Lets go of what the driver holds (an S3 client's connections and threads); a folder holds nothing. */
    @Override
    default void close() {}

    /** What the store says of an object at once: its size and when it was last written (epoch millis). */
    record Info(long size, long modifiedMillis) {}

    /** An object {@code <name>/<leaf>} of a folder, found by {@link #listObjects}, with its info and last use. */
    record Child(String name, Info info, long lastUseMillis) {}

    /** The object's info; null if there is no object at {@code key}. As cheap as the store allows: every blob request asks. */
    Info stat(String key) throws IOException;

    /** The object's last use (epoch millis); -1 if there is no object at {@code key}. */
    long lastUse(String key) throws IOException;

    /** The whole object if it holds at most {@code maxBytes}; null if absent or larger. */
    byte[] get(String key, int maxBytes) throws IOException;

    /** Writes the object whole, replacing any, atomically. Creates the folders it needs. */
    void put(String key, byte[] bytes) throws IOException;

    /**
     * Writes the object whole if there is none at {@code key}, atomically: false, and nothing
     * written, if there is one. Of writers at once, exactly one succeeds (a file system's hard
     * link or exclusive create; an object store's conditional write).
     */
    boolean putIfAbsent(String key, byte[] bytes) throws IOException;

    /** Opens the object for positional reads; null if there is none. Close the reader. */
    BlobReader reader(String key) throws IOException;

    /**
     * Starts writing an object whose key is given only when it is published, so that bytes whose
     * digest is not known yet (a blob being fetched) can be written and read as they come. {@code
     * scratch} names where the driver may keep them meanwhile (an upload's folder, which a scan of
     * uploads measures and removes when stale).
     */
    Upload upload(String scratch) throws IOException;

    /**
     * As {@link #upload(String)}, for bytes whose key is known before they come (a blob fetched
     * by its digest): the upload must then be published at {@code key} and nowhere else. A driver
     * may write the bytes there at once, provided nothing is readable at {@code key} before the
     * publish (an object store's multipart upload, which a publish completes instead of copying).
     */
    default Upload upload(String scratch, String key) throws IOException {
        return upload(scratch);
    }

    /** An object being written by one writer and followed by any number of readers. */
    interface Upload extends AutoCloseable {
        /** Appends all of {@code bytes}. */
        void write(ByteBuffer bytes) throws IOException;

        /** A reader of the bytes written so far, and of those written later; it keeps reading after the publish. */
        BlobReader openReader() throws IOException;

        /** Makes the bytes written the object at {@code key}, atomically, replacing any. */
        void publish(String key) throws IOException;

        /** Discards the bytes unless published. Never throws. */
        @Override
        void close();
    }

    /**
     * The names of the entries of {@code folder} (empty string: the root), objects and sub-folders
     * alike, in no particular order; empty if none. Names only: one directory read, one listing.
     */
    List<String> list(String folder) throws IOException;

    /**
     * The objects {@code <name>/<leaf>} one folder below {@code folder} (a blob folder's {@code
     * data}, an upload's), each as its {@code <name>} with its info; in no particular order. A
     * listing and a look-up per name on a file system; one listing of an object store.
     */
    List<Child> listObjects(String folder, String leaf) throws IOException;

    /** Deletes the object; false if there was none. Empty folders it leaves may stay (see {@link #deleteEmptyFolders}). */
    boolean delete(String key) throws IOException;

    /** Deletes every object under {@code folder}, and the folder. */
    void deleteTree(String folder) throws IOException;

    /**
     * Removes {@code folder} if it is empty, then its parents up to (not including) {@code top}
     * while they are; nothing on a store without folders. False if {@code folder} was not removed.
     */
    boolean deleteEmptyFolders(String folder, String top);

    /**
     * Records a use of the object at {@code time}: its last use becomes {@code time} if that is
     * later, or in any case with {@code overwrite}. False if there is no object at {@code key}.
     */
    boolean recordUse(String key, Instant time, boolean overwrite) throws IOException;
}
