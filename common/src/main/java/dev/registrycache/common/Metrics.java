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
 * A small registry of counters, gauges and histograms in the Prometheus text format (version
 * 0.0.4): each process counts what it does, and the gateway's {@code /metrics} puts the
 * processes' texts together. Label values are escaped; series are created on first use.
 */
public final class Metrics {
    /** The samples of a histogram family: its name with one of these. */
    private static final java.util.List<String> HISTOGRAM_SUFFIXES = java.util.List.of("_bucket", "_sum", "_count");

    /** A family of series under one name, with its HELP and TYPE lines. */
    private interface Family {
        String name();

        void render(StringBuilder out);
    }

    /** Counters or gauges: one number per series. */
    private record Simple(String name, String help, String type, String[] labels, Map<String, DoubleAdder> series)
            implements Family {
        DoubleAdder series(String... values) {
            return series.computeIfAbsent(key(name, labels, values), k -> new DoubleAdder());
        }

        @Override
        public void render(StringBuilder out) {
            head(out, name, help, type);
            for (Map.Entry<String, DoubleAdder> s : new TreeMap<>(series).entrySet()) {
                sample(out, name, s.getKey(), s.getValue().sum());
            }
        }
    }

    /**
     * A histogram: per series, the count of observations at or below each bound (cumulative),
     * their sum and their count, as Prometheus' {@code histogram_quantile} reads them.
     */
    private record HistogramFamily(
            String name, String help, String[] labels, double[] bounds, Map<String, Buckets> series) implements Family {
        @Override
        public void render(StringBuilder out) {
            head(out, name, help, "histogram");
            for (Map.Entry<String, Buckets> s : new TreeMap<>(series).entrySet()) {
                String prefix = s.getKey().isEmpty() ? "" : s.getKey() + ",";
                Buckets b = s.getValue();
                for (int i = 0; i < bounds.length; i++) {
                    sample(out, name + "_bucket", prefix + "le=\"" + format(bounds[i]) + "\"", b.atOrBelow[i].sum());
                }
                sample(out, name + "_bucket", prefix + "le=\"+Inf\"", b.count.sum());
                sample(out, name + "_sum", s.getKey(), b.sum.sum());
                sample(out, name + "_count", s.getKey(), b.count.sum());
            }
        }
    }

    /** One histogram series: observations at or below each bound, their sum and their count. */
    private record Buckets(DoubleAdder[] atOrBelow, DoubleAdder sum, DoubleAdder count) {
        static Buckets of(int bounds) {
            DoubleAdder[] atOrBelow = new DoubleAdder[bounds];
            for (int i = 0; i < bounds; i++) {
                atOrBelow[i] = new DoubleAdder();
            }
            return new Buckets(atOrBelow, new DoubleAdder(), new DoubleAdder());
        }
    }

    /** The labels of a series as the exposition text writes them between braces: {@code a="x",b="y"}. */
    private static String key(String name, String[] labels, String[] values) {
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
        return key.toString();
    }

    private static void head(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(format(value)).append('\n');
    }

    private final Map<String, Family> families = new ConcurrentHashMap<>();

    /** A family of counters: {@code name} should end in {@code _total}. */
    public Counter counter(String name, String help, String... labels) {
        return new Counter(family(name, help, "counter", labels));
    }

    /** A family of gauges: values that are set. */
    public Gauge gauge(String name, String help, String... labels) {
        return new Gauge(family(name, help, "gauge", labels));
    }

    /**
     * A family of histograms with {@code bounds} (ascending, without {@code +Inf}): durations or
     * sizes whose distribution matters, not only their mean.
     */
    public Histogram histogram(String name, String help, double[] bounds, String... labels) {
        for (int i = 1; i < bounds.length; i++) {
            if (bounds[i] <= bounds[i - 1]) {
                throw new IllegalArgumentException(name + ": bounds must ascend");
            }
        }
        return new Histogram((HistogramFamily) families.computeIfAbsent(
                name, n -> new HistogramFamily(n, help, labels, bounds.clone(), new ConcurrentHashMap<>())));
    }

    private Simple family(String name, String help, String type, String[] labels) {
        return (Simple)
                families.computeIfAbsent(name, n -> new Simple(n, help, type, labels, new ConcurrentHashMap<>()));
    }

    /** A counter family's handle; {@link #labels} selects a series to add to. */
    public static final class Counter {
        private final Simple family;

        private Counter(Simple family) {
            this.family = family;
        }

        public DoubleAdder labels(String... values) {
            return family.series(values);
        }
    }

    /** A gauge family's handle. */
    public static final class Gauge {
        private final Simple family;

        private Gauge(Simple family) {
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

    /** A histogram family's handle. */
    public static final class Histogram {
        private final HistogramFamily family;

        private Histogram(HistogramFamily family) {
            this.family = family;
        }

        /** Counts {@code value} in the series of {@code labels}. */
        public void observe(double value, String... labels) {
            Buckets b = family.series()
                    .computeIfAbsent(
                            key(family.name(), family.labels(), labels), k -> Buckets.of(family.bounds().length));
            for (int i = family.bounds().length - 1; i >= 0 && value <= family.bounds()[i]; i--) {
                b.atOrBelow()[i].add(1);
            }
            b.sum().add(value);
            b.count().add(1);
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
     * given once, with the sum of their values. A histogram's {@code _bucket}, {@code _sum} and
     * {@code _count} samples stay under its HELP and TYPE.
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
                        series.computeIfAbsent(familyOf(sample.name(), heads), k -> new java.util.LinkedHashMap<>())
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

    /** The family a sample belongs to: its own name, or the histogram whose samples it is part of. */
    private static String familyOf(String sampleName, Map<String, String[]> heads) {
        for (String suffix : HISTOGRAM_SUFFIXES) {
            if (sampleName.endsWith(suffix)) {
                String[] head = heads.get(sampleName.substring(0, sampleName.length() - suffix.length()));
                if (head != null && head[1] != null && head[1].endsWith(" histogram")) {
                    return sampleName.substring(0, sampleName.length() - suffix.length());
                }
            }
        }
        return sampleName;
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
            if (sample != null
                    && families.get(sample.name()) instanceof Simple family
                    && family.type().equals("counter")) {
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
            f.render(out);
        }
        return out.toString();
    }
}
