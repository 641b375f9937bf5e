package dev.registrycache.logger;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.logdir.AccessLogFormat;
import dev.registrycache.common.logdir.LogDirLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Follows every node access log in the log dir, including ones that appear later. A file
 * rotated away ({@code .1}) is read to its end before its successor; a truncated file is read
 * again from its start; where each file was read up to survives restarts ({@link TailState}).
 * A poll reads at most {@link #POLL_BYTES} of each file, so a logger catching up on a backlog
 * saves its place as it goes and stops promptly when told to. A line longer than
 * {@link #MAX_LINE} is not held but skipped to its end, and a line whose handling fails is
 * skipped: no content of a log can stop the logger or bring it back to the same line.
 */
final class LogTailer implements AutoCloseable {
    static final int POLL_BYTES = 4 << 20;
    /** Longer than any access record the node writes (its request line is at most 16 KiB). */
    static final int MAX_LINE = 64 << 10;

    private static final int READ_BYTES = 1 << 20;
    /** The held part of a line that is too long: its bytes are dropped up to its newline. */
    private static final byte[] OVERLONG = new byte[0];

    private final Path logDir;
    private final Consumer<AccessLogFormat.Access> sink;
    private final Skips skips;
    private final Map<String, TailState.Position> saved;
    private final Map<String, Tail> tails = new HashMap<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(READ_BYTES);
    private final int pollBytes;
    private long lines;
    private boolean behind;

    /** {@code pollBytes}: how much of each file one poll reads at most; {@code skips}: where skipped lines are counted. */
    LogTailer(
            Path logDir,
            Map<String, TailState.Position> saved,
            Consumer<AccessLogFormat.Access> sink,
            int pollBytes,
            Skips skips) {
        this.pollBytes = pollBytes;
        this.logDir = logDir;
        this.saved = saved;
        this.sink = sink;
        this.skips = skips;
    }

    long lines() {
        return lines;
    }

    /**
     * One file being followed: the channel, its identity, and bytes of a line not yet complete;
     * after a restart, also the rotated-away file it was reading ({@code .1}), finished first.
     */
    private static final class Tail {
        FileChannel channel;
        String key;
        long position;
        byte[] partial = new byte[0];
        FileChannel rotated;
        String rotatedKey;
        long rotatedPosition;
        byte[] rotatedPartial = new byte[0];
    }

    /**
     * Reads what was appended since the last call, up to {@link #POLL_BYTES} of each file.
     * Returns true when some file has more to read already (call again without waiting).
     */
    boolean poll() throws IOException {
        behind = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(
                logDir, p -> LogDirLayout.isAccessLog(p.getFileName().toString()))) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!tails.containsKey(name)) {
                    Tail t = open(name);
                    if (t != null) {
                        tails.put(name, t);
                    }
                }
            }
        }
        Iterator<Map.Entry<String, Tail>> it = tails.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Tail> e = it.next();
            if (!follow(e.getKey(), e.getValue())) {
                close(e.getValue());
                it.remove();
            }
        }
        return behind;
    }

    /**
     * Positions to save: for each file, its identity and the start of its incomplete line (of
     * the rotated-away file while that is still being finished).
     */
    Map<String, TailState.Position> positions() {
        Map<String, TailState.Position> out = new HashMap<>();
        tails.forEach((name, t) -> out.put(
                name,
                t.rotated != null
                        ? new TailState.Position(t.rotatedKey, t.rotatedPosition - t.rotatedPartial.length)
                        : new TailState.Position(t.key, t.position - t.partial.length)));
        return out;
    }

    private Tail open(String name) throws IOException {
        Path live = logDir.resolve(name);
        Tail t = new Tail();
        try {
            t.key = key(live);
            t.channel = FileChannel.open(live, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
        TailState.Position before = saved.remove(name);
        if (before != null) {
            if (before.fileKey().equals(t.key)) {
                t.position = before.offset() <= t.channel.size() ? before.offset() : 0;
            } else {
                Path rotated = LogDirLayout.rotated(live);
                try {
                    if (before.fileKey().equals(key(rotated))) {
                        t.rotated = FileChannel.open(rotated, StandardOpenOption.READ);
                        t.rotatedKey = before.fileKey();
                        t.rotatedPosition = before.offset();
                    }
                } catch (NoSuchFileException ignored) {
                    // lines written before a second rotation are gone
                }
            }
        }
        return t;
    }

    /** Reads new lines of one file, up to the poll's budget; false when the file is gone and read to its end. */
    private boolean follow(String name, Tail t) throws IOException {
        int budget = pollBytes;
        if (t.rotated != null) {
            byte[][] partial = {t.rotatedPartial};
            long start = t.rotatedPosition;
            t.rotatedPosition = drain(t.rotated, t.rotatedPosition, partial, budget);
            t.rotatedPartial = partial[0];
            budget -= (int) (t.rotatedPosition - start);
            if (budget <= 0) {
                behind = true;
                return true; // more of the rotated file first
            }
            t.rotated.close();
            t.rotated = null;
        }
        Path live = logDir.resolve(name);
        String currentKey;
        try {
            currentKey = key(live);
        } catch (NoSuchFileException e) {
            return !drainInto(t, budget); // gone: done once read to its end
        }
        if (!currentKey.equals(t.key)) {
            // rotated: finish the old file through the channel still open on it, then follow the new one
            long start = t.position;
            if (!drainInto(t, budget)) {
                return true;
            }
            budget -= (int) (t.position - start);
            t.channel.close();
            t.channel = FileChannel.open(live, StandardOpenOption.READ);
            t.key = currentKey;
            t.position = 0;
            t.partial = new byte[0];
        }
        if (t.channel.size() < t.position) {
            t.position = 0; // truncated
            t.partial = new byte[0];
        }
        drainInto(t, budget);
        return true;
    }

    /** Reads the tail's file up to {@code budget} bytes; true when it reached the end. */
    private boolean drainInto(Tail t, int budget) throws IOException {
        if (budget <= 0) {
            behind = true;
            return false;
        }
        byte[][] partial = {t.partial};
        long start = t.position;
        t.position = drain(t.channel, t.position, partial, budget);
        t.partial = partial[0];
        if (t.position - start >= budget) {
            behind = true;
            return false;
        }
        return true;
    }

    /**
     * Reads from {@code position} to the end or for {@code budget} bytes, handing every complete
     * line to the sink; returns the new position (a budget is used up when it moved that far).
     */
    private long drain(FileChannel channel, long position, byte[][] partial, int budget) throws IOException {
        long limit = position + budget;
        while (position < limit) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), limit - position));
            int n = channel.read(buffer, position);
            if (n <= 0) {
                return position;
            }
            position += n;
            byte[] bytes = buffer.array();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (bytes[i] == '\n') {
                    if (partial[0] == OVERLONG) {
                        partial[0] = new byte[0]; // the end of a line skipped
                    } else if (partial[0].length + i - start > MAX_LINE) {
                        skipLongLine();
                        partial[0] = new byte[0];
                    } else if (partial[0].length > 0) {
                        byte[] line = new byte[partial[0].length + i - start];
                        System.arraycopy(partial[0], 0, line, 0, partial[0].length);
                        System.arraycopy(bytes, start, line, partial[0].length, i - start);
                        emit(line, 0, line.length);
                        partial[0] = new byte[0];
                    } else {
                        emit(bytes, start, i - start);
                    }
                    start = i + 1;
                }
            }
            if (start < n && partial[0] != OVERLONG) {
                if (partial[0].length + n - start > MAX_LINE) {
                    skipLongLine();
                    partial[0] = OVERLONG; // dropped up to its newline; a saved place is past it
                } else {
                    byte[] rest = new byte[partial[0].length + n - start];
                    System.arraycopy(partial[0], 0, rest, 0, partial[0].length);
                    System.arraycopy(bytes, start, rest, partial[0].length, n - start);
                    partial[0] = rest;
                }
            }
        }
        return position;
    }

    private void emit(byte[] bytes, int offset, int length) {
        if (length == 0) {
            return;
        }
        lines++;
        try {
            AccessLogFormat.Access access = AccessLogFormat.parse(bytes, offset, length);
            if (access != null) {
                sink.accept(access);
            }
        } catch (RuntimeException e) {
            skips.skip(Skips.Reason.LINE_FAILED, "a line of the access logs could not be handled: " + Reasons.of(e));
        }
    }

    private void skipLongLine() {
        lines++;
        skips.skip(Skips.Reason.LINE_TOO_LONG, "a line of an access log longer than " + MAX_LINE + " bytes");
    }

    private static String key(Path file) throws IOException {
        Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        return key == null ? file.toString() : key.toString();
    }

    private static void close(Tail t) {
        try {
            t.channel.close();
            if (t.rotated != null) {
                t.rotated.close();
            }
        } catch (IOException ignored) {
            // read-only
        }
    }

    @Override
    public void close() {
        tails.values().forEach(LogTailer::close);
        tails.clear();
    }
}
