package dev.registrycache.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.slf4j.LoggerFactory;

/**
 * A test class's log lines go to its file under target/test-logs, and reach the build output
 * only when one of its tests fails. The classes below are run here through JUnit's launcher
 * (surefire leaves nested classes alone), as surefire runs every test class.
 */
class TestOutputFilesTest {
    private static final String EXPECTED = "an expected warning of a test that provokes it";

    /** Logs a WARN and passes. */
    static class Warns {
        @Test
        void warnsOnPurpose() {
            LoggerFactory.getLogger(Warns.class).warn(EXPECTED);
        }
    }

    /** Logs a WARN and fails. */
    static class WarnsAndFails {
        @Test
        void warnsThenFails() {
            LoggerFactory.getLogger(WarnsAndFails.class).warn(EXPECTED);
            fail("on purpose");
        }
    }

    @Test
    void aPassingClassPrintsNothingAndKeepsItsLinesInItsFile() throws IOException {
        String printed = run(Warns.class, 0);

        assertEquals("", printed);
        assertTrue(Files.readString(fileOf(Warns.class)).contains("level=WARN"), "the line is in the file");
        assertTrue(Files.readString(fileOf(Warns.class)).contains(EXPECTED));
    }

    @Test
    void aFailingClassShowsItsLinesAndNamesItsFile() throws IOException {
        String printed = run(WarnsAndFails.class, 1);

        assertTrue(printed.contains(EXPECTED), printed);
        assertTrue(printed.contains(fileOf(WarnsAndFails.class).toAbsolutePath().toString()), printed);
        assertTrue(Files.readString(fileOf(WarnsAndFails.class)).contains(EXPECTED));
    }

    private static Path fileOf(Class<?> testClass) {
        return TestOutputFiles.FOLDER.resolve(testClass.getName() + ".log");
    }

    /** Runs {@code testClass} as surefire would, and returns what reached standard output. */
    private static String run(Class<?> testClass, long failuresExpected) {
        PrintStream before = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        PrintStream mine = new PrintStream(printed, true, StandardCharsets.UTF_8);
        System.setOut(mine);
        try {
            LauncherFactory.create()
                    .execute(
                            LauncherDiscoveryRequestBuilder.request()
                                    .selectors(DiscoverySelectors.selectClass(testClass))
                                    .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                                    .build(),
                            summary);
            assertSame(mine, System.out, "standard output is put back after the class");
        } finally {
            System.setOut(before);
        }
        assertEquals(1, summary.getSummary().getTestsStartedCount(), testClass.getName());
        assertEquals(failuresExpected, summary.getSummary().getTotalFailureCount(), testClass.getName());
        return printed.toString(StandardCharsets.UTF_8);
    }
}
