package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's alert table ("Dashboards and alerts") is where an operator paged by an alert reads what
 * to do: it must have a row for every alert of the rules file, and none for an alert that is gone.
 */
class AlertTableTest {
    private static final Pattern ROW = Pattern.compile("^\\| `(RegistryCache\\w+)`", Pattern.MULTILINE);

    @Test
    void theReadmeSaysWhatToDoForEveryAlertOfTheRulesFile() throws IOException {
        Set<String> rows = new TreeSet<>();
        Matcher m = ROW.matcher(Files.readString(ContainerHost.ROOT.resolve("README.md")));
        while (m.find()) {
            rows.add(m.group(1));
        }
        assertEquals(MonitoringFiles.alertNames(), rows);
    }
}
