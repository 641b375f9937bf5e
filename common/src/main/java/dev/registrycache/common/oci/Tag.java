package dev.registrycache.common.oci;

import dev.registrycache.common.InvalidValueException;
import java.util.regex.Pattern;

/** A manifest tag in the OCI grammar: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}}. */
public final class Tag implements Comparable<Tag> {
    private static final Pattern GRAMMAR = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

    private final String value;

    private Tag(String value) {
        this.value = value;
    }

    public static Tag parse(String text) {
        if (text == null || !GRAMMAR.matcher(text).matches()) {
            throw new InvalidValueException("invalid tag");
        }
        return new Tag(text);
    }

    public static boolean isValid(String text) {
        return text != null && GRAMMAR.matcher(text).matches();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tag t && t.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public int compareTo(Tag o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
