package dev.registrycache.common.logging;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J backend of every registry-cache process: logfmt lines on standard output (which the
 * supervisor prefixes with the component's name). {@code LOG_LEVEL} sets our level (default
 * INFO); Jetty's own loggers log warnings and errors only.
 */
public final class LogfmtServiceProvider implements SLF4JServiceProvider {
    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private Level ours = Level.INFO;

    @Override
    public ILoggerFactory getLoggerFactory() {
        return name -> loggers.computeIfAbsent(
                name,
                n -> new LogfmtLogger(
                        n,
                        n.startsWith("dev.registrycache")
                                ? ours
                                : Level.WARN.toInt() > ours.toInt() ? Level.WARN : ours));
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        String level = System.getenv(dev.registrycache.common.settings.Setting.LOG_LEVEL.env());
        if (level != null) {
            try {
                ours = Level.valueOf(level.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ignored) {
                // unknown level: keep INFO
            }
        }
    }
}
