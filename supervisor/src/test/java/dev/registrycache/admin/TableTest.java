package dev.registrycache.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Columns as wide as their widest cell, three spaces apart, nothing at the end of a line. */
class TableTest {
    @Test
    void alignsEachColumnToItsWidestCell() {
        Table table =
                new Table("A", "LONG HEADER", "C").row("wide cell", "x", "").row("", "", "last");
        assertEquals(
                List.of("A           LONG HEADER   C", "wide cell   x", "                          last"),
                table.lines());
    }

    @Test
    void anEmptyTableIsItsHeader() {
        assertEquals(List.of("TAG   DIGEST"), new Table("TAG", "DIGEST").lines());
    }
}
