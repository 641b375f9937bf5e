package dev.registrycache.common.store;

import dev.registrycache.common.Reasons;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases as objects under {@code .leases/}, for replicas on several hosts that share the datastore
 * (a network file system, an object store). A lease object holds its holder and when it expires
 * ({@code <holder> <epoch millis>}). Only the driver's atomic operations decide who holds it:
 * {@link StorageDriver#putIfAbsent} (a hard link on a file system, a conditional write on an
 * object store) where no object may exist yet, and {@link StorageDriver#put}, which replaces an
 * object whole.
 *
 * <ul>
 *   <li>A free lease is taken by linking a file written whole to its name: of holders that try at
 *       once, one succeeds.
 *   <li>Every change of a lease file that exists (a takeover of a stale lease, a renewal, a
 *       release) is made by the one holder of its takeover marker, {@code .<name>.takeover}, a
 *       lease on changing the lease, taken as any lease: linked into place whole, and when left by
 *       a crashed holder, stale after its term and taken over in turn under a marker of its own.
 *       Under it the holder reads the lease again and changes it only if it is still the one it
 *       read. A takeover or a renewal writes a new file beside the lease and renames it over it,
 *       so that the name never goes free; a release deletes it. A running lease is thus changed by
 *       its holder alone, and its name goes free only by a release, never while another holder is
 *       acting on it. (Moving a stale lease away to check it, as this class once did, let a third
 *       holder take the name while a fresh lease moved by mistake was being put back.)
 *   <li>A release that finds the marker held (a takeover under way, or one left by a crash) leaves
 *       the lease to run out.
 * </ul>
 *
 * As with any lease, this holds for holders that do not stall for a whole term in the middle of
 * a change.
 *
 * An empty file is a lease being written (created, not yet written), held until {@code term}
 * after it was; a file that holds anything else is no lease and is taken over, with a WARN. A
 * directory, or a file that cannot be read, at the lease's path is an error that says so.
 */
final class Leases {
    private static final Logger LOG = LoggerFactory.getLogger(Leases.class);
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    /** More than any lease file holds: a bigger file is no lease, and is not read whole. */
    private static final int MAX_LEASE_BYTES = 512;

    private final StorageDriver driver;
    private final String folder;

    Leases(StorageDriver driver, String folder) {
        this.driver = driver;
        this.folder = folder;
    }

    /** What a lease file holds as read: its text, the lease it names (null if none), when it was last written. */
    private record Found(String text, Lease lease, long modifiedMillis) {}

    boolean hold(String name, String holder, Instant now, Duration term) throws IOException {
        check(name, "lease name");
        check(holder, "lease holder");
        return take(name, holder, now, term);
    }

    /** {@link #hold} of a name and holder checked, also of a takeover marker (whose name is longer). */
    private boolean take(String name, String holder, Instant now, Duration term) throws IOException {
        String file = StoreKeys.join(folder, name);
        Lease mine = new Lease(holder, now.plus(term).toEpochMilli());
        Found current = read(file);
        if (current == null) {
            return create(file, mine);
        }
        boolean own = current.lease() != null && current.lease().holder().equals(holder);
        if (!own && !stale(file, current, now, term)) {
            return false;
        }
        String marker = takeover(name, holder, now, term);
        if (marker == null) {
            return false; // another holder is changing the lease: it takes it over, or gives it back
        }
        try {
            if (!current.equals(read(file))) {
                return false; // another holder took it over, renewed or released it since we read it
            }
            replace(file, mine);
            return true;
        } finally {
            dropTakeover(name, marker);
        }
    }

    void release(String name, String holder) throws IOException {
        check(name, "lease name");
        String file = StoreKeys.join(folder, name);
        Found current = read(file);
        if (current == null
                || current.lease() == null
                || !current.lease().holder().equals(holder)) {
            return;
        }
        // the marker runs as long as the lease: a takeover under way, or left by a crash, leaves the lease to run out
        String marker = markerHolder(holder);
        if (!create(takeoverFile(name), new Lease(marker, current.lease().expiresMillis()))) {
            return;
        }
        try {
            if (current.equals(read(file))) {
                driver.delete(file);
            }
        } finally {
            dropTakeover(name, marker);
        }
    }

    /**
     * Takes the takeover marker of the lease {@code name}: the right to change the lease file, held
     * by one holder at a time. The marker is itself a lease, {@code .<name>.takeover}, held for one
     * term by this call alone (a name of the holder's own for this call), and taken as any lease: a
     * marker left by a crashed holder is stale after its term and is taken over in turn, under a
     * marker of its own. Returns the marker's holder name, or null if another holds it.
     */
    private String takeover(String name, String holder, Instant now, Duration term) throws IOException {
        String marker = markerHolder(holder);
        return take(StoreKeys.name(takeoverFile(name)), marker, now, term) ? marker : null;
    }

    /** Removes the takeover marker of {@code name} if {@code marker} still holds it. */
    private void dropTakeover(String name, String marker) throws IOException {
        String file = takeoverFile(name);
        Found current = read(file);
        if (current != null
                && current.lease() != null
                && current.lease().holder().equals(marker)) {
            driver.delete(file);
        }
    }

    private String takeoverFile(String name) {
        return StoreKeys.join(folder, "." + name + ".takeover");
    }

    /** A holder's name for one call, that no other call holds: its name (cut short) and 12 random hex digits. */
    private static String markerHolder(String holder) {
        String head = holder.length() > 115 ? holder.substring(0, 115) : holder;
        return head + "." + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Whether {@code found}, another holder's, may be taken over at {@code now}; says why when that is unusual. */
    private static boolean stale(String file, Found found, Instant now, Duration term) {
        Lease lease = found.lease();
        if (lease != null && lease.runsImplausiblyFar(now, term)) {
            LOG.warn(
                    "the lease {} of {} runs until {}, further ahead than any lease taken now could run (a clock that"
                            + " ran ahead, or a bad write): taking it over",
                    file,
                    lease.holder(),
                    Instant.ofEpochMilli(lease.expiresMillis()));
            return true;
        }
        if (lease != null) {
            return !lease.runsAt(now, term);
        }
        if (found.text().isEmpty()) {
            return found.modifiedMillis() + term.toMillis() <= now.toEpochMilli(); // being written
        }
        LOG.warn("{} holds no lease ('{}', not '<holder> <epoch millis>'): taking it over", file, printable(found));
        return true;
    }

    /**
     * Creates the lease object if there is none; false if there is one (another holder has it). It
     * is written whole at once ({@link StorageDriver#putIfAbsent}): never seen empty, where a holder
     * that read it empty could take it for a stale one being written and take it over while its
     * creator goes on holding it (found by eight holders at once with a clock ahead of the file
     * system's).
     */
    private boolean create(String file, Lease lease) throws IOException {
        return driver.putIfAbsent(file, bytes(lease));
    }

    private void replace(String file, Lease lease) throws IOException {
        driver.put(file, bytes(lease));
    }

    private static byte[] bytes(Lease lease) {
        return (lease.holder() + " " + lease.expiresMillis() + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** What the lease object holds; null if there is none. */
    private Found read(String file) throws IOException {
        byte[] bytes;
        StorageDriver.Info info;
        try {
            info = driver.stat(file);
            if (info == null) {
                return null;
            }
            bytes = driver.get(file, MAX_LEASE_BYTES);
        } catch (IOException e) {
            throw new IOException("cannot read the lease " + file + ": " + Reasons.of(e), e);
        }
        if (bytes == null) {
            bytes = info.size() > MAX_LEASE_BYTES
                    ? "(more than a lease holds)".getBytes(StandardCharsets.US_ASCII)
                    : null;
            if (bytes == null) {
                return null; // deleted since the look-up
            }
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1).trim();
        return new Found(text, parse(text), info.modifiedMillis());
    }

    /** The lease {@code text} names, or null. */
    private static Lease parse(String text) {
        int space = text.lastIndexOf(' ');
        if (space <= 0 || !WORD.matcher(text.substring(0, space)).matches()) {
            return null;
        }
        try {
            return new Lease(text.substring(0, space), Long.parseLong(text.substring(space + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The file's text for a log line: at most 64 characters, control characters as '?'. */
    private static String printable(Found found) {
        String text = found.text().length() > 64 ? found.text().substring(0, 64) + "..." : found.text();
        return text.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static void check(String word, String what) {
        if (word == null || !WORD.matcher(word).matches()) {
            throw new IllegalArgumentException(what + " '" + word + "': expected letters, digits, '.', '_' or '-'");
        }
    }
}
