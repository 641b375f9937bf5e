package dev.registrycache.common.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.registrycache.common.settings.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a person starting a component reads when it cannot start: one line in words, no stack trace. */
class StartupTest {
    @Test
    void aBadConfigurationIsOneLineAndExitStatus2() throws Exception {
        Printed printed = run(() -> {
            throw new ConfigException("CLEANER_MAXSIZE: '0' is 0");
        });
        assertEquals(2, printed.status);
        assertEquals("registry-cache: CLEANER_MAXSIZE: '0' is 0\n", printed.err);
    }

    @Test
    void aPortInUseIsOneLineInWordsAndExitStatus1() throws Exception {
        Printed printed = run(() -> {
            throw new IOException("Failed to bind to /127.0.0.1:5000", new BindException("Address already in use"));
        });
        assertEquals(1, printed.status);
        assertEquals(
                "registry-cache: cannot start: Failed to bind to /127.0.0.1:5000: Address already in use\n",
                printed.err);
        assertFalse(printed.err.contains("Exception"), printed.err);
    }

    private record Printed(int status, String err) {}

    private static Printed run(Startup.Configure<Object> configure) throws Exception {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int status = Startup.supervisor(configure, configured -> 0);
            return new Printed(status, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(before);
        }
    }
}
