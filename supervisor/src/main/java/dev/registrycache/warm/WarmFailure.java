package dev.registrycache.warm;

/** Why an image could not be warmed, in words for the user: the message is the reason printed. */
final class WarmFailure extends Exception {
    WarmFailure(String reason) {
        super(reason);
    }

    /** The same reason, saying which part of the image it is about ({@code blob sha256:...}). */
    WarmFailure about(String what) {
        return new WarmFailure(what + ": " + getMessage());
    }
}
