package dev.registrycache.common.marks;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.common.store.Mark;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The quarantine as every process sees it, in the shared store: the node and the gateway ask
 * before serving or fetching a digest (one look-up in the store, so a quarantine holds on every
 * replica from the moment it is written), the admin API adds and releases.
 */
public final class Quarantines {
    private final Datastore store;

    public Quarantines(Datastore store) {
        this.store = store;
    }

    public boolean isQuarantined(Digest digest) {
        return store.hasMark(Mark.QUARANTINE, Mark.keyOf(digest));
    }

    public Optional<Quarantine> find(Digest digest) {
        byte[] record = store.readMark(Mark.QUARANTINE, Mark.keyOf(digest));
        return record == null ? Optional.empty() : Optional.of(Quarantine.fromBytes(digest, record));
    }

    /** Throws the clients' refusal if {@code digest} is quarantined. */
    public void refuseIfQuarantined(Digest digest) {
        if (isQuarantined(digest)) {
            throw find(digest)
                    .orElseGet(() -> new Quarantine(digest, "", "?", java.time.Instant.EPOCH))
                    .refusal();
        }
    }

    /** Quarantines {@code quarantine.digest()}; false (and the first record kept) if it already was. */
    public boolean add(Quarantine quarantine) throws IOException {
        if (isQuarantined(quarantine.digest())) {
            return false;
        }
        store.putMark(Mark.QUARANTINE, Mark.keyOf(quarantine.digest()), quarantine.toBytes());
        return true;
    }

    /** Ends the quarantine of {@code digest}: what it was, or empty if it was not quarantined. */
    public Optional<Quarantine> release(Digest digest) {
        Optional<Quarantine> was = find(digest);
        return was.isPresent() && store.deleteMark(Mark.QUARANTINE, Mark.keyOf(digest)) ? was : Optional.empty();
    }

    /** Every quarantined digest, in the order of their keys. */
    public List<Quarantine> all() {
        List<Quarantine> out = new ArrayList<>();
        for (String key : store.marks(Mark.QUARANTINE)) {
            Digest digest = digestOfKey(key);
            if (digest != null) {
                find(digest).ifPresent(out::add);
            }
        }
        return out;
    }

    /** The digest a quarantine key names, or null for a key that names none. */
    static Digest digestOfKey(String key) {
        int dash = key.indexOf('-');
        try {
            return dash < 0 ? null : Digest.parse(key.substring(0, dash) + ":" + key.substring(dash + 1));
        } catch (InvalidValueException e) {
            return null;
        }
    }
}
