package dev.registrycache.common.http;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.ErrorCode;
import dev.registrycache.common.oci.Reference;
import dev.registrycache.common.oci.RegistryException;
import dev.registrycache.common.oci.RepositoryName;

/**
 * A request path of the distribution API, parsed and validated: {@code /v2/},
 * {@code /v2/<name>/manifests/<reference>}, {@code /v2/<name>/blobs/<digest>},
 * {@code /v2/<name>/tags/list}. Anything that is not one of these, or carries an invalid
 * name, reference or digest, is refused here with a 4xx, before any path is built.
 */
public record ApiRoute(Kind kind, RepositoryName name, Reference reference, Digest digest) {
    /** Which part of the API a request is for. */
    public enum Kind {
        BASE,
        MANIFEST,
        BLOB,
        TAGS
    }

    private static final int MAX_PATH = 2048;

    public static ApiRoute parse(String rawPath) {
        if (rawPath == null || rawPath.length() > MAX_PATH) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "request path too long", null);
        }
        if (rawPath.equals("/v2") || rawPath.equals("/v2/")) {
            return new ApiRoute(Kind.BASE, null, null, null);
        }
        if (!rawPath.startsWith("/v2/")) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "not a registry API path", null);
        }
        if (rawPath.indexOf('%') >= 0 || rawPath.contains("//") || rawPath.indexOf('\\') >= 0) {
            // valid names, tags and digests never need escaping: refuse instead of decoding
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid characters in request path", null);
        }
        String rest = rawPath.substring(4);
        if (rest.endsWith("/tags/list")) {
            return new ApiRoute(Kind.TAGS, name(rest.substring(0, rest.length() - "/tags/list".length())), null, null);
        }
        int m = rest.lastIndexOf("/manifests/");
        int b = rest.lastIndexOf("/blobs/");
        if (m > 0 && m > b) {
            RepositoryName name = name(rest.substring(0, m));
            String ref = rest.substring(m + "/manifests/".length());
            try {
                return new ApiRoute(Kind.MANIFEST, name, Reference.parse(ref), null);
            } catch (InvalidValueException e) {
                ErrorCode code = Digest.looksLikeDigest(ref) ? ErrorCode.DIGEST_INVALID : ErrorCode.MANIFEST_INVALID;
                throw new RegistryException(code, "invalid manifest reference", null);
            }
        }
        if (b > 0) {
            RepositoryName name = name(rest.substring(0, b));
            String d = rest.substring(b + "/blobs/".length());
            if (d.startsWith("uploads")) {
                throw new RegistryException(ErrorCode.UNSUPPORTED, "this registry is a read-only cache", null);
            }
            try {
                return new ApiRoute(Kind.BLOB, name, null, Digest.parse(d));
            } catch (InvalidValueException e) {
                throw new RegistryException(ErrorCode.DIGEST_INVALID, "invalid digest", null);
            }
        }
        throw new RegistryException(ErrorCode.NOT_FOUND, "not a registry API path", null);
    }

    private static RepositoryName name(String text) {
        try {
            return RepositoryName.parse(text);
        } catch (InvalidValueException e) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid repository name", null);
        }
    }
}
