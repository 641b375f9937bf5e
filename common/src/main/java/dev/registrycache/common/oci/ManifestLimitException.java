package dev.registrycache.common.oci;

/**
 * A manifest beyond what the cache reads in bounded memory (too many references, too deep):
 * the node refuses to serve it, the logger does not follow its references.
 */
public class ManifestLimitException extends RuntimeException {
    public ManifestLimitException(String message) {
        super(message);
    }
}
