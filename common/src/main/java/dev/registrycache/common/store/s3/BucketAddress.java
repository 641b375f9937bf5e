package dev.registrycache.common.store.s3;

import dev.registrycache.common.settings.S3Settings;
import java.net.URI;

/**
 * The one place that turns the datastore's keys into the bucket's keys and URLs: the prefix
 * (S3_PREFIX) goes before every key, and the bucket into the host name ({@code
 * https://bucket.host/key}, AWS's way) or the path ({@code https://host/bucket/key}, S3_PATH_STYLE,
 * what MinIO, Ceph and s3proxy on one host need).
 */
final class BucketAddress {
    private final URI endpoint;
    private final String bucket;
    private final String prefix;
    private final boolean pathStyle;

    BucketAddress(URI endpoint, String bucket, String prefix, boolean pathStyle) {
        this.endpoint = endpoint;
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
        this.pathStyle = pathStyle;
    }

    static BucketAddress of(S3Settings settings) {
        return new BucketAddress(settings.endpoint(), settings.bucket(), settings.prefix(), settings.pathStyle());
    }

    String bucket() {
        return bucket;
    }

    /** The bucket's key of a datastore key (or key prefix): the datastore's prefix and the key. */
    String bucketKey(String key) {
        return prefix + key;
    }

    /** The datastore's key of a bucket key that {@link #bucketKey} made. */
    String storeKey(String bucketKey) {
        return bucketKey.substring(prefix.length());
    }

    /** The URL of the object {@code key} (a datastore key), with {@code rawQuery} (encoded; null: none). */
    URI object(String key, String rawQuery) {
        return url("/" + SigV4.encodePath(bucketKey(key)), rawQuery);
    }

    /** The URL of the bucket itself, for listings and batch deletes. */
    URI bucketUrl(String rawQuery) {
        return url("", rawQuery);
    }

    /** {@code x-amz-copy-source} of the object {@code key}: {@code /bucket/key}, encoded. */
    String copySource(String key) {
        return "/" + bucket + "/" + SigV4.encodePath(bucketKey(key));
    }

    /** Where the messages say a key is: {@code bucket/prefix/key}. */
    String describe(String key) {
        return bucket + "/" + bucketKey(key);
    }

    /** {@code path} ({@code /key} or empty for the bucket) at the bucket's address. */
    private URI url(String path, String rawQuery) {
        String base = pathStyle
                ? endpoint.getScheme() + "://" + endpoint.getRawAuthority() + "/" + bucket + path
                : endpoint.getScheme() + "://" + bucket + "." + endpoint.getRawAuthority()
                        + (path.isEmpty() ? "/" : path);
        return URI.create(rawQuery == null ? base : base + "?" + rawQuery);
    }
}
