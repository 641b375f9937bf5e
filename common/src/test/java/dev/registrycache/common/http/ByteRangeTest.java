package dev.registrycache.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ByteRangeTest {
    @ParameterizedTest
    @CsvSource({
        "bytes=0-99,0,99",
        "bytes=100-,100,999",
        "bytes=-10,990,999",
        "bytes=990-5000,990,999",
        "bytes=-5000,0,999"
    })
    void resolvesSingleRanges(String header, long first, long last) {
        ByteRange r = ByteRange.parse(header, 1000);
        assertEquals(first, r.first());
        assertEquals(last, r.last());
    }

    @Test
    void sendsEverythingForNoneMultipleOrForeignRanges() {
        assertNull(ByteRange.parse(null, 1000));
        assertNull(ByteRange.parse("bytes=0-1,5-6", 1000));
        assertNull(ByteRange.parse("items=0-1", 1000));
        assertNull(ByteRange.parse("bytes=5-1", 1000));
        assertNull(ByteRange.parse("bytes=x-", 1000));
    }

    @Test
    void rangesPastTheEndAreUnsatisfiable() {
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=1000-", 1000));
        assertSame(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=-0", 1000));
    }
}
