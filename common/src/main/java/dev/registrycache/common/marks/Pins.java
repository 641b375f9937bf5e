package dev.registrycache.common.marks;

import dev.registrycache.common.oci.Digest;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.common.store.Mark;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The pins, in the shared store so that the cleaner of whichever replica holds the lease keeps
 * them: the admin API adds and removes, the cleaner asks what they protect before each pass.
 */
public final class Pins {
    private final Datastore store;

    public Pins(Datastore store) {
        this.store = store;
    }

    public Optional<Pin> find(RepositoryName repository, Digest digest) {
        byte[] record = store.readMark(Mark.PIN, Pin.keyOf(repository, digest));
        return Optional.ofNullable(record == null ? null : Pin.fromBytes(record));
    }

    /** Pins {@code pin.digest()} in its repository; false (and the first record kept) if it already was. */
    public boolean add(Pin pin) throws IOException {
        if (find(pin.repository(), pin.digest()).isPresent()) {
            return false;
        }
        store.putMark(Mark.PIN, Pin.keyOf(pin.repository(), pin.digest()), pin.toBytes());
        return true;
    }

    /** Unpins: what the pin was, or empty if there was none. */
    public Optional<Pin> remove(RepositoryName repository, Digest digest) {
        Optional<Pin> was = find(repository, digest);
        return was.isPresent() && store.deleteMark(Mark.PIN, Pin.keyOf(repository, digest)) ? was : Optional.empty();
    }

    /** Every pin, by repository then digest. */
    public List<Pin> all() {
        List<Pin> out = new ArrayList<>();
        for (String key : store.marks(Mark.PIN)) {
            byte[] record = store.readMark(Mark.PIN, key);
            Pin pin = record == null ? null : Pin.fromBytes(record);
            if (pin != null) {
                out.add(pin);
            }
        }
        out.sort(java.util.Comparator.comparing((Pin p) -> p.repository())
                .thenComparing(p -> p.digest().toString()));
        return out;
    }

    /** What the pins keep: every manifest and blob of every pinned image that the store holds, and their bytes. */
    public Protected protectedContent() {
        Set<Digest> digests = new HashSet<>();
        long bytes = 0;
        List<Pin> pins = all();
        for (Pin pin : pins) {
            ImageContents contents = ImageContents.of(store, pin.digest());
            for (Digest d : contents.all()) {
                long size = store.blobSize(d);
                if (digests.add(d) && size >= 0) {
                    bytes += size;
                }
            }
        }
        return new Protected(pins.size(), digests, bytes);
    }

    /** The digests the pins keep (some may not be stored) and the bytes of those stored. */
    public record Protected(int pins, Set<Digest> digests, long storedBytes) {}
}
