package dev.registrycache.node.upstream;

/** No credentials: what the client sends until the upstream asks for a scheme. */
final class AnonymousAuth implements UpstreamAuth {
    @Override
    public String authorization(String scope) {
        return null;
    }
}
