package dev.registrycache.common.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.registrycache.common.InvalidValueException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The sizes and durations that settings are written in (CLEANER_MAXSIZE, CLEANER_RUNEVERY_TIME, ...). */
class SizesAndDurationsTest {
    @ParameterizedTest
    @CsvSource({
        "1048576,1048576",
        "500M,524288000",
        "10G,10737418240",
        "10GB,10737418240",
        "10GiB,10737418240",
        "1k,1024",
        "2T,2199023255552",
        "0,0",
        "1.5G,1610612736",
        "100B,100"
    })
    void parsesHumanSizes(String text, long bytes) {
        assertEquals(bytes, ByteSize.parse(text).bytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "G", "-1G", "10X", "ten", "1.5", "10 GiBs"})
    void refusesBadSizes(String text) {
        assertThrows(InvalidValueException.class, () -> ByteSize.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"30m,1800", "1h2m3s,3723", "45s,45", "0,0", "1.5h,5400", "2h,7200"})
    void parsesGoDurations(String text, long seconds) {
        assertEquals(seconds, GoDuration.parse(text).toSeconds());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "m", "1d", "-5m", "5m 3s", "1h2x"})
    void refusesBadDurations(String text) {
        assertThrows(InvalidValueException.class, () -> GoDuration.parse(text));
    }
}
