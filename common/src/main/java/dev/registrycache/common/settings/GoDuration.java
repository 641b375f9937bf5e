package dev.registrycache.common.settings;

import dev.registrycache.common.InvalidValueException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Go-style durations as the original's variables used them: {@code 1h2m3s}, {@code 30m}, {@code 45s}, {@code 500ms}. */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    private GoDuration() {}

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidValueException("duration is empty");
        }
        String s = text.trim();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(s);
        int end = 0;
        double nanos = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw new InvalidValueException("not a duration: '" + text + "' (examples: 30m, 1h2m3s, 45s)");
            }
            end = m.end();
            double v = Double.parseDouble(m.group(1));
            nanos += v
                    * switch (m.group(2)) {
                        case "ns" -> 1d;
                        case "us", "µs" -> 1e3;
                        case "ms" -> 1e6;
                        case "s" -> 1e9;
                        case "m" -> 60e9;
                        default -> 3600e9;
                    };
        }
        if (end == 0 || end != s.length()) {
            throw new InvalidValueException("not a duration: '" + text + "' (examples: 30m, 1h2m3s, 45s)");
        }
        if (nanos > Long.MAX_VALUE) {
            throw new InvalidValueException("duration too long: '" + text + "'");
        }
        return Duration.ofNanos((long) nanos);
    }
}
