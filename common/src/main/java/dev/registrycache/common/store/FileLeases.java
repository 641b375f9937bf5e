package dev.registrycache.common.store;

import dev.registrycache.common.Reasons;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases as files in {@code <data-dir>/.leases/}, for replicas on several hosts that share the
 * datastore over a network file system (NFS, CephFS, EFS). A lease file holds its holder and when
 * it expires ({@code <holder> <epoch millis>}). Only operations that such file systems make
 * atomic decide who holds it: making a hard link (or creating a file with {@code O_EXCL}) where
 * no file may exist yet, and renaming.
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
final class FileLeases {
    private static final Logger LOG = LoggerFactory.getLogger(FileLeases.class);
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    /** More than any lease file holds: a bigger file is no lease, and is not read whole. */
    private static final int MAX_LEASE_BYTES = 512;

    private final Path folder;

    FileLeases(Path folder) {
        this.folder = folder;
    }

    /** What a lease file holds as read: its text, the lease it names (null if none), when it was last written. */
    private record Found(String text, Lease lease, long modifiedMillis) {}

    boolean hold(String name, String holder, Instant now, Duration term) throws IOException {
        check(name, "lease name");
        check(holder, "lease holder");
        createFolder();
        return take(name, holder, now, term);
    }

    /** {@link #hold} of a name and holder checked, also of a takeover marker (whose name is longer). */
    private boolean take(String name, String holder, Instant now, Duration term) throws IOException {
        Path file = folder.resolve(name);
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
        Path file = folder.resolve(name);
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
                Files.deleteIfExists(file);
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
        return take(takeoverFile(name).getFileName().toString(), marker, now, term) ? marker : null;
    }

    /** Removes the takeover marker of {@code name} if {@code marker} still holds it. */
    private void dropTakeover(String name, String marker) throws IOException {
        Path file = takeoverFile(name);
        Found current = read(file);
        if (current != null
                && current.lease() != null
                && current.lease().holder().equals(marker)) {
            Files.deleteIfExists(file);
        }
    }

    private Path takeoverFile(String name) {
        return folder.resolve("." + name + ".takeover");
    }

    /** A holder's name for one call, that no other call holds: its name (cut short) and 12 random hex digits. */
    private static String markerHolder(String holder) {
        String head = holder.length() > 115 ? holder.substring(0, 115) : holder;
        return head + "." + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Whether {@code found}, another holder's, may be taken over at {@code now}; says why when that is unusual. */
    private static boolean stale(Path file, Found found, Instant now, Duration term) {
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

    private void createFolder() throws IOException {
        try {
            Files.createDirectories(folder);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(folder + " is a file, not the folder of the leases: remove it", e);
        }
    }

    /**
     * Creates the lease file if it does not exist; false if it does (another holder has it). The
     * lease is written whole beside it first and linked into place, which fails if the file
     * exists: the file is never seen empty, where a holder that read it empty could take it for
     * a stale one being written and take it over while its creator goes on holding it (found by
     * eight holders at once with a clock ahead of the file system's). Without hard links: created
     * empty and written, as a last resort.
     */
    private boolean create(Path file, Lease lease) throws IOException {
        Path temp = folder.resolve("." + file.getFileName() + ".new-" + UUID.randomUUID());
        try {
            Files.write(temp, bytes(lease), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.createLink(file, temp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException e) {
            return createInPlace(file, lease);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static boolean createInPlace(Path file, Lease lease) throws IOException {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(bytes(lease));
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        return true;
    }

    private void replace(Path file, Lease lease) throws IOException {
        Path temp = folder.resolve("." + file.getFileName() + ".renew-" + UUID.randomUUID());
        try {
            Files.write(temp, bytes(lease));
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static byte[] bytes(Lease lease) {
        return (lease.holder() + " " + lease.expiresMillis() + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** What {@code file} holds; null if there is no such file. */
    private static Found read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory, not a lease file: remove it so that the lease can be taken");
        }
        byte[] bytes;
        long modified;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_LEASE_BYTES);
            modified = Files.getLastModifiedTime(file).toMillis();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new IOException("cannot read the lease file " + file + ": " + Reasons.of(e), e);
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1).trim();
        return new Found(text, parse(text), modified);
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
