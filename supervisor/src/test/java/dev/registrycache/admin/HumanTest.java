package dev.registrycache.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How long ago, in the units a person reads at a glance; the cache's own words where a time is not one. */
class HumanTest {
    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private static String ago(String time) {
        return Human.age(JSON.textNode(time), NOW);
    }

    @Test
    void saysHowLongAgoInMinutesHoursOrDays() {
        assertEquals("just now", ago("2026-12-05T11:59:01Z"));
        assertEquals("1 min ago", ago("2026-12-05T11:59:00Z"));
        assertEquals("59 min ago", ago("2026-12-05T11:00:01Z"));
        assertEquals("1 h ago", ago("2026-12-05T11:00:00Z"));
        assertEquals("47 h ago", ago("2026-12-03T12:00:01Z"));
        assertEquals("2 d ago", ago("2026-12-03T12:00:00Z"));
        assertEquals("400 d ago", ago("2025-10-31T12:00:00Z"));
    }

    @Test
    void showsTheCachesTimeWhenItIsAheadOrNoTimeAndADashWhenThereIsNone() {
        assertEquals("just now", ago("2026-12-05T12:00:30Z"));
        assertEquals("2026-12-05T12:05:00Z", ago("2026-12-05T12:05:00Z"));
        assertEquals("yesterday", ago("yesterday"));
        assertEquals("-", Human.age(NullNode.getInstance(), NOW));
        assertEquals("-", Human.age(MissingNode.getInstance(), NOW));
    }

    @Test
    void sizesInBinaryUnitsAndADashForNoSize() {
        assertEquals("12.3 MiB", Human.size(JSON.numberNode(12897485L)));
        assertEquals("0 B", Human.size(JSON.numberNode(0)));
        assertEquals("-", Human.size(NullNode.getInstance()));
        assertEquals("-", Human.size(JSON.numberNode(-1)));
    }
}
