package dev.registrycache.warm;

import dev.registrycache.client.CacheAccess;
import dev.registrycache.client.CacheFailure;
import dev.registrycache.client.OciErrorAnswer;

/**
 * The one place that turns what the cache answered to {@code warm} into the reason a user reads
 * (how reaching it failed is {@link dev.registrycache.client.Unreachable}'s). The cache's own OCI error messages are words
 * already ("the upstream registry is unavailable and the cache does not hold this"); the codes
 * whose default messages speak of "registry" get the words of a cache in front of an upstream.
 */
final class Refusals {
    private Refusals() {}

    /**
     * Why the cache refused: {@code status}, the OCI error {@code body} (may be empty), and whether
     * the cache's own authentication asked ({@code challenged}: a 401 with {@code WWW-Authenticate})
     * of a client that gave {@code username} (null: none).
     */
    static CacheFailure of(int status, byte[] body, boolean challenged, String username) {
        if (status == 401 && challenged) {
            return new CacheFailure(CacheAccess.credentialsRefused(username, WarmSettings.PASSWORD_ENV));
        }
        OciErrorAnswer error = OciErrorAnswer.read(body);
        if (error == null) {
            return new CacheFailure("the cache answered HTTP " + status);
        }
        String words = switch (error.code()) {
            case MANIFEST_UNKNOWN -> "manifest unknown to the upstream";
            case BLOB_UNKNOWN -> "blob unknown to the upstream";
            case NAME_UNKNOWN ->
                error.message() == null || error.message().equals(error.code().defaultMessage())
                        ? "repository unknown to the upstream"
                        : error.message();
            default -> error.words();
        };
        return new CacheFailure(words);
    }
}
