package dev.asgard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ConsoleTableTest {

    @Test
    void columnsAreAlignedToTheWidestCellWithoutTrailingSpaces() {
        String table = new ConsoleTable("NAME", "URL", "HEALTH")
                .addRow("registry-service", "http://127.0.0.1:8081", "UP")
                .addRow("lock", "http://x", "DOWN")
                .render();
        assertEquals("""
                NAME              URL                    HEALTH
                ----------------  ---------------------  ------
                registry-service  http://127.0.0.1:8081  UP
                lock              http://x               DOWN""", table);
    }

    @Test
    void headerWiderThanCellsSetsTheWidth() {
        assertEquals("""
                SERVICE  B
                -------  -
                a        b""", new ConsoleTable("SERVICE", "B").addRow("a", "b").render());
    }

    @Test
    void tableWithoutRowsHasHeaderAndRule() {
        assertEquals("A  BB\n-  --", new ConsoleTable("A", "BB").render());
    }

    @Test
    void rowWithWrongCellCountIsRejected() {
        ConsoleTable table = new ConsoleTable("A", "B");
        assertThrows(IllegalArgumentException.class, () -> table.addRow("only one"));
        assertThrows(IllegalArgumentException.class, () -> table.addRow("1", "2", "3"));
    }
}
