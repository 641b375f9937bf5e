package dev.registrycache.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.registrycache.common.settings.ByteSize;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The admin API's numbers and times in the words of a table for people: bytes as {@code 12.3 MiB},
 * an ISO-8601 time as how long ago it was ({@code 3 h ago}), a field the answer lacks as {@code -}.
 */
final class Human {
    private static final String NONE = "-";

    private Human() {}

    /** {@code bytes} (a number of bytes) as {@code 12.3 MiB}. */
    static String size(JsonNode bytes) {
        return bytes.canConvertToLong() && bytes.asLong() >= 0
                ? ByteSize.ofBytes(bytes.asLong()).toString()
                : NONE;
    }

    /** {@code time} (ISO-8601) as {@code just now}, {@code 12 min ago}, {@code 5 h ago}, {@code 3 d ago}. */
    static String age(JsonNode time, Instant now) {
        if (!time.isTextual()) {
            return NONE;
        }
        Duration ago;
        try {
            ago = Duration.between(Instant.parse(time.asText()), now);
        } catch (DateTimeParseException notIso) {
            return time.asText();
        }
        if (ago.isNegative() && ago.toSeconds() < -60) {
            return time.asText(); // ahead of this host's clock: the time as the cache said it
        }
        if (ago.toMinutes() < 1) {
            return "just now";
        }
        if (ago.toHours() < 1) {
            return ago.toMinutes() + " min ago";
        }
        if (ago.toHours() < 48) {
            return ago.toHours() + " h ago";
        }
        return ago.toDays() + " d ago";
    }

    /** {@code 1 tag}, {@code 2 tags}: {@code count} of {@code noun}, whose plural takes an s. */
    static String count(JsonNode count, String noun) {
        return count(count.asLong(), noun);
    }

    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** A text field, or {@code -}. */
    static String text(JsonNode field) {
        return field.isValueNode() && !field.isNull() && !field.asText().isEmpty() ? field.asText() : NONE;
    }
}
