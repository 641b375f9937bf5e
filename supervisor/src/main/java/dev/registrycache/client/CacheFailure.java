package dev.registrycache.client;

/**
 * Why the cache did not do what a command asked of it, in words for the user: the message is the
 * reason printed (an image not warmed, an admin request refused, the cache not reached).
 */
public class CacheFailure extends Exception {
    public CacheFailure(String reason) {
        super(reason);
    }

    /** The same reason, saying which part of the request it is about ({@code blob sha256:...}). */
    public CacheFailure about(String what) {
        return new CacheFailure(what + ": " + getMessage());
    }
}
