package dev.registrycache.node.upstream;

/**
 * One way of authenticating to the upstream registry. {@link UpstreamAuthentication} picks the
 * scheme from the upstream's challenges; each scheme only knows its own header.
 */
interface UpstreamAuth {
    /** The {@code Authorization} header value for a request in {@code scope} (may be null), or null to send none. */
    String authorization(String scope);
}
