package dev.registrycache.common.oci;

/**
 * The OCI distribution error codes, each with the HTTP status it is sent with: one table, as in
 * distribution's {@code registry/api/errcode}.
 */
public enum ErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN(404, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    TOOMANYREQUESTS(429, "too many requests"),
    /** Not an OCI code; distribution's, for "this is not a registry path". */
    NOT_FOUND(404, "not found"),
    /** distribution's code for an invalid range or parameter. */
    RANGE_INVALID(416, "requested range not satisfiable"),
    PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
    /** Not an OCI code; the admin API's, for a request it cannot read (a body that is not the JSON it takes). */
    REQUEST_INVALID(400, "the request is not valid"),
    /** Not an OCI code; the admin API's, for a change that what exists forbids (purging a pinned image). */
    CONFLICT(409, "the request conflicts with the state of the cache"),
    /** Not an OCI code; the admin API's, for a request body over its limit. */
    TOO_LARGE(413, "request body too large"),
    /** distribution's code when a dependency (here: the upstream) cannot answer. */
    UNAVAILABLE(503, "service unavailable"),
    UNKNOWN(500, "unknown error");

    private final int httpStatus;
    private final String defaultMessage;

    ErrorCode(int httpStatus, String defaultMessage) {
        this.httpStatus = httpStatus;
        this.defaultMessage = defaultMessage;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String defaultMessage() {
        return defaultMessage;
    }
}
