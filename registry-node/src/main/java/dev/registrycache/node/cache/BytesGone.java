package dev.registrycache.node.cache;

import java.io.IOException;

/**
 * A reader of a download needs bytes that are no longer held for it: the download passed them
 * through memory only (the datastore could not take the blob) and every other reader had read
 * them before this one came, or this reader was dropped for not reading, or the download ended
 * without storing the blob. Before anything was sent, its own download serves the client.
 */
public final class BytesGone extends IOException {
    BytesGone(String message) {
        super(message);
    }
}
