package dev.registrycache.common.store;

import dev.registrycache.common.oci.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An upload as distribution keeps it: {@code _uploads/<uuid>/data} in its repository, moved into
 * {@code blobs/} by an atomic rename on commit. Readers open the same file, so they keep reading
 * it across the rename.
 */
final class FileBlobUpload implements BlobUpload {
    private final FileDatastore store;
    private final Path data;
    private final FileChannel out;
    private volatile Path published;

    FileBlobUpload(FileDatastore store, Path data, FileChannel out) {
        this.store = store;
        this.data = data;
        this.out = out;
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        HeapSlices.write(out, bytes);
    }

    @Override
    public BlobReader openReader() throws IOException {
        try {
            return new FileBlobReader(FileChannel.open(data, StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            Path blob = published;
            if (blob == null) {
                throw e;
            }
            return new FileBlobReader(FileChannel.open(blob, StandardOpenOption.READ));
        }
    }

    @Override
    public void commit(Digest digest) throws IOException {
        out.close();
        published = store.layout().blobData(digest); // before the move: a reader that misses the upload finds the blob
        try {
            store.publish(data, digest);
        } catch (IOException | RuntimeException e) {
            published = null;
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing buffered: writes go straight to the file
        }
        if (published == null) {
            store.discard(data);
        }
    }
}
