package dev.registrycache.common.store.s3;

/**
 * The sizes of an upload's parts and of the copies at its publish. Parts start at {@code first}
 * bytes (S3 wants 5 MiB at least, but for the last) and double every thousand parts, so that
 * S3's 10,000 parts reach any blob (8 MiB parts: 8 GiB in the first thousand, 5 TiB, S3's
 * largest object, before the last). An object up to {@code maxSingleCopy} is copied by one
 * CopyObject (S3 copies at most 5 GiB so); a larger one by parts of {@code copyPart} bytes.
 */
record Parts(long first, long maxSingleCopy, long copyPart) {
    static final long MIB = 1024 * 1024;
    static final long MAX_PART = 5L * 1024 * MIB;

    /** What S3 allows: 8 MiB parts, one CopyObject up to 5 GiB, 512 MiB copied parts beyond. */
    static final Parts DEFAULT = new Parts(8 * MIB, MAX_PART, 512 * MIB);

    Parts {
        if (first < 5 * MIB
                || first > MAX_PART
                || maxSingleCopy > MAX_PART
                || copyPart < 5 * MIB
                || copyPart > MAX_PART) {
            throw new IllegalArgumentException("parts of 5 MiB to 5 GiB, and copies of at most 5 GiB");
        }
    }

    /** The size of part {@code number} (from 1). */
    long size(int number) {
        int doublings = Math.min(20, (number - 1) / 1000);
        return Math.min(MAX_PART, first << doublings);
    }
}
