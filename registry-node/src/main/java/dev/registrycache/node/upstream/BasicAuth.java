package dev.registrycache.node.upstream;

import dev.registrycache.common.settings.Credentials;

/** The pull-secret credentials on every request, once the upstream asked for Basic. */
final class BasicAuth implements UpstreamAuth {
    private final String header;

    BasicAuth(Credentials credentials) {
        this.header = credentials.basicHeaderValue();
    }

    @Override
    public String authorization(String scope) {
        return header;
    }

    /** Whether a request that sent {@code sent} went without these credentials (so retrying with them may help). */
    boolean wasNotSentBy(String sent) {
        return !header.equals(sent);
    }
}
