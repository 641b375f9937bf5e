package dev.registrycache.common.settings;

import dev.registrycache.common.InvalidValueException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes read from a human string: {@code 1048576}, {@code 500M}, {@code 10G},
 * {@code 10GB}, {@code 10GiB}. Units are binary (K = 1024), as the original's cleaner used them.
 */
public final class ByteSize implements Comparable<ByteSize> {
    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGTP]?)(I?B?)");

    private final long bytes;

    private ByteSize(long bytes) {
        this.bytes = bytes;
    }

    public static ByteSize ofBytes(long bytes) {
        if (bytes < 0) {
            throw new InvalidValueException("size is negative");
        }
        return new ByteSize(bytes);
    }

    public static ByteSize parse(String text) {
        if (text == null) {
            throw new InvalidValueException("size is empty");
        }
        Matcher m = FORMAT.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new InvalidValueException("not a size: '" + text + "' (examples: 500M, 10G, 10GiB, 1048576)");
        }
        if (m.group(2).isEmpty() && !m.group(3).isEmpty() && !m.group(3).equals("B")) {
            throw new InvalidValueException("not a size: '" + text + "'");
        }
        int power = "KMGTP".indexOf(m.group(2).isEmpty() ? "-" : m.group(2)) + 1;
        double value = Double.parseDouble(m.group(1)) * Math.pow(1024, power);
        if (value > Long.MAX_VALUE || Double.isInfinite(value)) {
            throw new InvalidValueException("size too large: '" + text + "'");
        }
        if (power == 0 && m.group(1).contains(".")) {
            throw new InvalidValueException("a size in bytes must be whole: '" + text + "'");
        }
        return new ByteSize((long) value);
    }

    /** {@link #parse}, refusing 0: a store bounded to nothing would delete every blob it gets. */
    public static ByteSize parseStoreLimit(String text) {
        ByteSize size = parse(text);
        if (size.bytes == 0) {
            throw new InvalidValueException(
                    "'" + text + "' is 0: the cleaner would delete every blob as soon as it is stored");
        }
        return size;
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public int compareTo(ByteSize o) {
        return Long.compare(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteSize b && b.bytes == bytes;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bytes);
    }

    @Override
    public String toString() {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
