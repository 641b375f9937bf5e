import java.io.InputStream;
import java.util.List;

/**
 * What the S3 driver needs of a client library, one method per S3 request (or per upload), so that
 * the three candidates run the same workload. Keys are object keys in the bench's bucket.
 */
interface Candidate extends AutoCloseable {

    /** PUT of a small object held in memory. */
    void put(String key, byte[] body) throws Exception;

    /** PUT with {@code If-None-Match: *}: false when the object exists already (412). */
    boolean putIfAbsent(String key, byte[] body) throws Exception;

    /** HEAD: the object's size, or -1 when there is none. */
    long size(String key) throws Exception;

    /** GET with {@code Range}: {@code length} bytes from {@code offset}. */
    byte[] read(String key, long offset, int length) throws Exception;

    /** LIST (v2) of the keys that start with {@code prefix}. */
    List<String> list(String prefix) throws Exception;

    /** Server-side COPY. */
    void copy(String from, String to) throws Exception;

    void delete(String key) throws Exception;

    /** A multipart upload given up: create, one part, abort. */
    void abortedUpload(String key, byte[] part) throws Exception;

    /** A multipart upload of {@code size} bytes streamed from {@code in} in parts of {@code partSize}. */
    void upload(String key, InputStream in, long size, int partSize) throws Exception;

    /** GET of the whole object, its bytes read and dropped; returns how many. */
    long download(String key) throws Exception;
}
