package dev.registrycache.common.store;

import java.io.IOException;
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

/**
 * Leases as files in {@code <data-dir>/.leases/}, for replicas on several hosts that share the
 * datastore over a network file system (NFS, CephFS, EFS). A lease file holds its holder and when
 * it expires ({@code <holder> <epoch millis>}). Only operations that such file systems make
 * atomic decide who holds it: creating a file that must not exist ({@code O_EXCL}), and renaming.
 *
 * <ul>
 *   <li>A free lease is taken by creating its file: of holders that try at once, one succeeds.
 *   <li>An expired lease is first moved out of the way by renaming it to a name of the taker's
 *       own (only one rename of a file succeeds); the taker then checks that what it moved is the
 *       expired lease it read, and creates the file anew. Had another holder's fresh lease been
 *       moved instead (it took the lease in between), it is put back and the taker gives way.
 *   <li>The holder renews by writing a new file beside it and renaming it over the lease.
 * </ul>
 *
 * A file that cannot be read as a lease (one being written as it is read) counts as held until
 * its modification time is {@code term} old.
 */
final class FileLeases {
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final Path folder;

    FileLeases(Path folder) {
        this.folder = folder;
    }

    private record Lease(String holder, long expiresMillis) {
        byte[] bytes() {
            return (holder + " " + expiresMillis + "\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    boolean hold(String name, String holder, Instant now, Duration term) throws IOException {
        check(name, "lease name");
        check(holder, "lease holder");
        Path file = folder.resolve(name);
        Lease mine = new Lease(holder, now.plus(term).toEpochMilli());
        Files.createDirectories(folder);
        Lease current = read(file, term);
        if (current == null) {
            return create(file, mine);
        }
        if (current.holder().equals(holder)) {
            replace(file, mine);
            return true;
        }
        if (current.expiresMillis() > now.toEpochMilli()) {
            return false;
        }
        // expired: move it away under a name of our own, then check that it is the one we read
        Path moved = folder.resolve("." + name + ".expired-" + UUID.randomUUID());
        try {
            Files.move(file, moved, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return create(file, mine); // another holder released or moved it meanwhile
        }
        Lease taken = read(moved, term);
        if (!current.equals(taken)) {
            // another holder took the lease between our read and our rename: give it back
            try {
                Files.createLink(file, moved);
            } catch (FileAlreadyExistsException | UnsupportedOperationException e) {
                // a third holder took it meanwhile, or links are not supported: the lease is taken either way
            }
            Files.deleteIfExists(moved);
            return false;
        }
        Files.deleteIfExists(moved);
        return create(file, mine);
    }

    void release(String name, String holder) throws IOException {
        check(name, "lease name");
        Path file = folder.resolve(name);
        Lease current = read(file, Duration.ZERO);
        if (current != null && current.holder().equals(holder)) {
            Files.deleteIfExists(file);
        }
    }

    /** Creates the lease file if it does not exist; false if it does (another holder has it). */
    private static boolean create(Path file, Lease lease) throws IOException {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(lease.bytes());
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        return true;
    }

    private void replace(Path file, Lease lease) throws IOException {
        Path temp = folder.resolve("." + file.getFileName() + ".renew-" + UUID.randomUUID());
        try {
            Files.write(temp, lease.bytes());
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * The lease in {@code file}; null if there is none. A file that cannot be parsed (being
     * written) counts as held by nobody we know until {@code term} after it was last modified.
     */
    private static Lease read(Path file, Duration term) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null;
        }
        int space = text.lastIndexOf(' ');
        if (space > 0) {
            try {
                return new Lease(text.substring(0, space), Long.parseLong(text.substring(space + 1)));
            } catch (NumberFormatException e) {
                // being written: fall through
            }
        }
        try {
            long modified = Files.getLastModifiedTime(file).toMillis();
            return new Lease("", modified + term.toMillis());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void check(String word, String what) {
        if (word == null || !WORD.matcher(word).matches()) {
            throw new IllegalArgumentException(what + " '" + word + "': expected letters, digits, '.', '_' or '-'");
        }
    }
}
