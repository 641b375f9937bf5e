package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A blob being written: appended to by one writer, followed by any number of readers, then
 * either committed under its digest (which the writer has verified) or discarded by
 * {@link #close()}. Close it in any case; after a commit, close only releases resources.
 */
public interface BlobUpload extends Closeable {

    /** Appends all of {@code bytes}. */
    void write(ByteBuffer bytes) throws IOException;

    /** A reader of the bytes written so far, and of those written later as they come. */
    BlobReader openReader() throws IOException;

    /** Publishes the bytes written as the blob {@code digest}, atomically. */
    void commit(Digest digest) throws IOException;

    /** Discards the upload unless it was committed. Never throws. */
    @Override
    void close();
}
