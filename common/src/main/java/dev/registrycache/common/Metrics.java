package dev.registrycache.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * A small registry of counters and gauges in the Prometheus text format (version 0.0.4): each process
 * counts what it does, and the gateway's {@code /metrics} puts the processes' texts together.
 * Label values are escaped; series are created on first use.
 */
public final class Metrics {
    private record Family(String name, String help, String type, String[] labels, Map<String, DoubleAdder> series) {
        DoubleAdder series(String... values) {
            if (values.length != labels.length) {
                throw new IllegalArgumentException(name + " takes " + labels.length + " labels");
            }
            StringBuilder key = new StringBuilder();
            for (int i = 0; i < values.length; i++) {
                key.append(i == 0 ? "" : ",")
                        .append(labels[i])
                        .append("=\"")
                        .append(escape(values[i]))
                        .append('"');
            }
            return series.computeIfAbsent(key.toString(), k -> new DoubleAdder());
        }
    }

    private final Map<String, Family> families = new ConcurrentHashMap<>();

    /** A family of counters: {@code name} should end in {@code _total} (or {@code _sum}/{@code _count}). */
    public Counter counter(String name, String help, String... labels) {
        return new Counter(family(name, help, "counter", labels));
    }

    /** A family of gauges: values that are set. */
    public Gauge gauge(String name, String help, String... labels) {
        return new Gauge(family(name, help, "gauge", labels));
    }

    private Family family(String name, String help, String type, String[] labels) {
        return families.computeIfAbsent(name, n -> new Family(n, help, type, labels, new ConcurrentHashMap<>()));
    }

    /** A counter family's handle; {@link #labels} selects a series to add to. */
    public static final class Counter {
        private final Family family;

        private Counter(Family family) {
            this.family = family;
        }

        public DoubleAdder labels(String... values) {
            return family.series(values);
        }
    }

    /** A gauge family's handle. */
    public static final class Gauge {
        private final Family family;

        private Gauge(Family family) {
            this.family = family;
        }

        public void set(double value, String... labels) {
            DoubleAdder a = family.series(labels);
            synchronized (a) {
                a.reset();
                a.add(value);
            }
        }
    }

    private static String escape(String v) {
        return v == null ? "" : v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Writes {@link #render()} to {@code file} atomically, for the gateway to publish (textfile style). */
    public void writeTo(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFile.write(file, render().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Puts several processes' exposition texts together so that each family's HELP and TYPE
     * appear once, followed by the series of every process; a series that more than one process
     * reports (the same name and labels: requests answered by a node and by the gateway) is
     * given once, with the sum of their values.
     */
    public static String merge(java.util.List<String> texts) {
        Map<String, String[]> heads = new TreeMap<>();
        Map<String, Map<String, double[]>> series = new TreeMap<>();
        for (String text : texts) {
            for (String line : text.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                    String[] parts = line.split(" ", 4);
                    if (parts.length < 4) {
                        continue;
                    }
                    String[] head = heads.computeIfAbsent(parts[2], k -> new String[2]);
                    head[line.startsWith("# HELP ") ? 0 : 1] = line;
                    series.computeIfAbsent(parts[2], k -> new java.util.LinkedHashMap<>());
                } else {
                    Sample sample = Sample.parse(line);
                    if (sample != null) {
                        series.computeIfAbsent(sample.name(), k -> new java.util.LinkedHashMap<>())
                                        .computeIfAbsent(sample.series(), k -> new double[1])[0] +=
                                sample.value();
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        series.forEach((name, samples) -> {
            String[] head = heads.get(name);
            if (head != null) {
                if (head[0] != null) {
                    out.append(head[0]).append('\n');
                }
                if (head[1] != null) {
                    out.append(head[1]).append('\n');
                }
            }
            samples.forEach(
                    (key, v) -> out.append(key).append(' ').append(format(v[0])).append('\n'));
        });
        return out.toString();
    }

    /** One sample line of the exposition text: {@code name{labels} value}. */
    private record Sample(String name, String labels, String series, double value) {
        /** The sample on {@code line}, or null for a comment or a line that is not a sample. */
        static Sample parse(String line) {
            if (line.startsWith("#")) {
                return null;
            }
            int valueAt = line.lastIndexOf(' ');
            if (valueAt <= 0) {
                return null;
            }
            int brace = line.indexOf('{');
            boolean labelled = brace > 0 && brace < valueAt;
            int closing = line.lastIndexOf('}', valueAt);
            if (labelled && closing < brace) {
                return null;
            }
            try {
                return new Sample(
                        line.substring(0, labelled ? brace : valueAt),
                        labelled ? line.substring(brace + 1, closing) : "",
                        line.substring(0, valueAt),
                        Double.parseDouble(line.substring(valueAt + 1)));
            } catch (NumberFormatException e) {
                return null; // not a sample line
            }
        }
    }

    /**
     * Adds the counts in {@code file}, which an earlier run of the same component wrote (the
     * previous cleaning pass, run as a process of its own), to this registry's counters, so that
     * they go on counting across runs instead of starting again at 0. Only families registered
     * as counters are taken over; gauges are measured anew. A missing file adds nothing.
     */
    public void resumeCounters(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
            Sample sample = Sample.parse(line);
            Family family = sample == null ? null : families.get(sample.name());
            if (family != null && family.type().equals("counter")) {
                family.series()
                        .computeIfAbsent(sample.labels(), k -> new DoubleAdder())
                        .add(sample.value());
            }
        }
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** The exposition text of every family. */
    public String render() {
        StringBuilder out = new StringBuilder();
        for (Family f : new TreeMap<>(families).values()) {
            out.append("# HELP ").append(f.name()).append(' ').append(f.help()).append('\n');
            out.append("# TYPE ").append(f.name()).append(' ').append(f.type()).append('\n');
            for (Map.Entry<String, DoubleAdder> s : new TreeMap<>(f.series()).entrySet()) {
                out.append(f.name());
                if (!s.getKey().isEmpty()) {
                    out.append('{').append(s.getKey()).append('}');
                }
                out.append(' ').append(format(s.getValue().sum())).append('\n');
            }
        }
        return out.toString();
    }
}
