package dev.registrycache.warm;

import dev.registrycache.common.oci.Digest;

/**
 * How warming one image went: the digest of its manifest (an index's when it is one) and its
 * blobs, those fetched (with their bytes) and those the cache held already; or why it failed.
 *
 * @param failure null when the image was warmed
 */
record ImageResult(ImageName image, Digest digest, int blobs, int held, long fetchedBytes, String failure) {
    static ImageResult warmed(ImageName image, Digest digest, int blobs, int held, long fetchedBytes) {
        return new ImageResult(image, digest, blobs, held, fetchedBytes, null);
    }

    static ImageResult failed(ImageName image, String reason) {
        return new ImageResult(image, null, 0, 0, 0, reason);
    }

    boolean ok() {
        return failure == null;
    }

    /**
     * Its line: {@code warmed <image> (<digest>, 3 blobs: 1 fetched, 12.3 MiB, 2 already held)}, or
     * {@code failed: <image> (<reason>)}.
     */
    String line() {
        if (!ok()) {
            return "failed: " + image + " (" + failure + ")";
        }
        return "warmed " + image + " (" + digest + ", " + Summary.blobCounts(blobs, held, fetchedBytes) + ")";
    }
}
