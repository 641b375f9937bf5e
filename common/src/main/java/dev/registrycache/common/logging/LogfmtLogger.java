package dev.registrycache.common.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * Writes one logfmt line per event to standard output, e.g.
 * {@code time=2026-11-27T18:31:36.659Z level=INFO logger=GatewayServer thread=main msg="gateway listening..."},
 * so that log collectors can parse every component's lines; a stack trace follows its line,
 * indented. Standard output is looked up at each line, so that whoever replaced it (the tests,
 * which keep the lines in files) gets them.
 */
final class LogfmtLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    private final int threshold;
    private final String shortName;

    LogfmtLogger(String name, Level threshold) {
        this.name = name;
        this.threshold = threshold.toInt();
        int dot = name.lastIndexOf('.');
        this.shortName = name.startsWith("dev.registrycache.") && dot >= 0 ? name.substring(dot + 1) : name;
    }

    @Override
    public boolean isTraceEnabled() {
        return threshold <= Level.TRACE.toInt();
    }

    @Override
    public boolean isDebugEnabled() {
        return threshold <= Level.DEBUG.toInt();
    }

    @Override
    public boolean isInfoEnabled() {
        return threshold <= Level.INFO.toInt();
    }

    @Override
    public boolean isWarnEnabled() {
        return threshold <= Level.WARN.toInt();
    }

    @Override
    public boolean isErrorEnabled() {
        return threshold <= Level.ERROR.toInt();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
            Level level, Marker marker, String pattern, Object[] args, Throwable throwable) {
        Throwable t = throwable;
        String message = MessageFormatter.basicArrayFormat(pattern, args);
        if (t == null
                && args != null
                && args.length > 0
                && args[args.length - 1] instanceof Throwable last
                && pattern != null
                && countAnchors(pattern) < args.length) {
            t = last;
        }
        StringBuilder line = new StringBuilder(160);
        line.append("time=")
                .append(Instant.now())
                .append(" level=")
                .append(level)
                .append(" logger=")
                .append(shortName)
                .append(" thread=")
                .append(quote(Thread.currentThread().getName()))
                .append(" msg=")
                .append(quote(message));
        if (t != null) {
            line.append(" error=").append(quote(t.toString()));
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace.toString().stripTrailing().replace("\n", "\n    "));
        }
        System.out.println(line); // one call: a line and its stack trace are never split by another's
    }

    private static int countAnchors(String pattern) {
        int n = 0;
        for (int i = pattern.indexOf("{}"); i >= 0; i = pattern.indexOf("{}", i + 2)) {
            n++;
        }
        return n;
    }

    static String quote(String value) {
        if (value == null) {
            return "\"\"";
        }
        boolean plain = !value.isEmpty();
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > ' ' && c != '"' && c != '=' && c != '\\' && c < 127;
        }
        if (plain) {
            return value;
        }
        StringBuilder b = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
