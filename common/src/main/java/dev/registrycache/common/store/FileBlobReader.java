package dev.registrycache.common.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A {@link BlobReader} over an open file: a stored blob, or an upload followed as it grows (the S3
 * driver keeps its uploads in a local file too); windows are memory mappings, unmapped on release.
 */
public final class FileBlobReader implements BlobReader {
    private final FileChannel file;

    public FileBlobReader(FileChannel file) {
        this.file = file;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return HeapSlices.read(file, dst, position);
    }

    @Override
    public ByteBuffer window(long position, int length) throws IOException {
        return file.map(FileChannel.MapMode.READ_ONLY, position, length);
    }

    @Override
    public void release(ByteBuffer window) {
        if (window instanceof MappedByteBuffer mapped) {
            MappedRegions.unmap(mapped);
        }
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
