package dev.registrycache.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.common.logdir.LogDirLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
    @Test
    void rendersCountersWithEscapedLabels() {
        Metrics m = new Metrics();
        m.counter("x_total", "Things", "name").labels("a\"b").add(2);
        m.gauge("y", "Level").set(1.5);
        assertEquals(
                "# HELP x_total Things\n# TYPE x_total counter\nx_total{name=\"a\\\"b\"} 2\n"
                        + "# HELP y Level\n# TYPE y gauge\ny 1.5\n",
                m.render());
    }

    @Test
    void mergesProcessesSoThatEachFamilyIsDeclaredOnce() {
        Metrics a = new Metrics();
        a.counter("r_total", "Requests", "registry").labels("quay.io").add(1);
        Metrics b = new Metrics();
        b.counter("r_total", "Requests", "registry").labels("docker.io").add(3);
        assertEquals(
                "# HELP r_total Requests\n# TYPE r_total counter\nr_total{registry=\"quay.io\"} 1\nr_total{registry=\"docker.io\"} 3\n",
                Metrics.merge(List.of(a.render(), b.render())));
    }

    @Test
    void mergingAddsUpASeriesThatSeveralProcessesReport() {
        Metrics node = new Metrics();
        node.counter("r_total", "Requests", "registry", "cache")
                .labels("quay.io", "hit")
                .add(2);
        node.counter("r_total", "Requests", "registry", "cache")
                .labels("quay.io", "miss")
                .add(1);
        Metrics gateway = new Metrics();
        gateway.counter("r_total", "Requests", "registry", "cache")
                .labels("quay.io", "hit")
                .add(5);
        assertEquals(
                "# HELP r_total Requests\n# TYPE r_total counter\nr_total{registry=\"quay.io\",cache=\"hit\"} 7\n"
                        + "r_total{registry=\"quay.io\",cache=\"miss\"} 1\n",
                Metrics.merge(List.of(node.render(), gateway.render())));
    }

    /**
     * The datastore's bucket requests as the gateway's /metrics shows them: the nodes' and the
     * gateway's from their registries, the logger's and the cleaner's from the files they write
     * to the log dir, one family with each series summed over the four processes.
     */
    @Test
    void mergingAddsUpTheBucketRequestsOfProcessesWithAPortAndOfThoseWritingFiles(@TempDir Path dir) throws Exception {
        LogDirLayout logs = new LogDirLayout(dir);
        Metrics node = bucketRequests(5, 1, 0);
        Metrics gateway = bucketRequests(2, 0, 0);
        bucketRequests(1, 0, 2).writeTo(logs.loggerMetrics());
        bucketRequests(3, 2, 1).writeTo(logs.cleanerMetrics());
        assertEquals(
                "# HELP registry_cache_s3_requests_total Requests to the bucket\n"
                        + "# TYPE registry_cache_s3_requests_total counter\n"
                        + "registry_cache_s3_requests_total{operation=\"GET\",result=\"ok\"} 11\n"
                        + "registry_cache_s3_requests_total{operation=\"GET\",result=\"retried\"} 3\n"
                        + "registry_cache_s3_requests_total{operation=\"GET\",result=\"failed\"} 3\n",
                Metrics.merge(List.of(
                        node.render(),
                        gateway.render(),
                        Files.readString(logs.loggerMetrics()),
                        Files.readString(logs.cleanerMetrics()))));
    }

    /** A process's registry with its GET requests to the bucket counted; a result never seen has no series. */
    private static Metrics bucketRequests(int ok, int retried, int failed) {
        Metrics m = new Metrics();
        Metrics.Counter requests =
                m.counter("registry_cache_s3_requests_total", "Requests to the bucket", "operation", "result");
        int[] counts = {ok, retried, failed};
        String[] results = {"ok", "retried", "failed"};
        for (int i = 0; i < results.length; i++) {
            if (counts[i] > 0) {
                requests.labels("GET", results[i]).add(counts[i]);
            }
        }
        return m;
    }

    @Test
    void rendersAHistogramWithCumulativeBucketsInOrderThenSumAndCount() {
        Metrics m = new Metrics();
        Metrics.Histogram h = m.histogram("t_seconds", "Time", new double[] {0.1, 1, 2.5}, "registry");
        h.observe(0.25, "quay.io");
        h.observe(0.5, "quay.io");
        h.observe(3, "quay.io");
        h.observe(0.1, "docker.io");
        assertEquals(
                "# HELP t_seconds Time\n# TYPE t_seconds histogram\n"
                        + "t_seconds_bucket{registry=\"docker.io\",le=\"0.1\"} 1\n"
                        + "t_seconds_bucket{registry=\"docker.io\",le=\"1\"} 1\n"
                        + "t_seconds_bucket{registry=\"docker.io\",le=\"2.5\"} 1\n"
                        + "t_seconds_bucket{registry=\"docker.io\",le=\"+Inf\"} 1\n"
                        + "t_seconds_sum{registry=\"docker.io\"} 0.1\n"
                        + "t_seconds_count{registry=\"docker.io\"} 1\n"
                        + "t_seconds_bucket{registry=\"quay.io\",le=\"0.1\"} 0\n"
                        + "t_seconds_bucket{registry=\"quay.io\",le=\"1\"} 2\n"
                        + "t_seconds_bucket{registry=\"quay.io\",le=\"2.5\"} 2\n"
                        + "t_seconds_bucket{registry=\"quay.io\",le=\"+Inf\"} 3\n"
                        + "t_seconds_sum{registry=\"quay.io\"} 3.75\n"
                        + "t_seconds_count{registry=\"quay.io\"} 3\n",
                m.render());
    }

    @Test
    void mergingKeepsAHistogramsSamplesUnderItsFamilyAndAddsUpTheSameSeries() {
        Metrics node = new Metrics();
        node.histogram("t_seconds", "Time", new double[] {1}, "registry").observe(0.5, "quay.io");
        Metrics other = new Metrics();
        other.histogram("t_seconds", "Time", new double[] {1}, "registry").observe(2, "quay.io");
        other.counter("t_seconds_a_total", "Sorts between the family's sample names")
                .labels()
                .add(1);
        assertEquals(
                "# HELP t_seconds Time\n# TYPE t_seconds histogram\n"
                        + "t_seconds_bucket{registry=\"quay.io\",le=\"1\"} 1\n"
                        + "t_seconds_bucket{registry=\"quay.io\",le=\"+Inf\"} 2\n"
                        + "t_seconds_sum{registry=\"quay.io\"} 2.5\n"
                        + "t_seconds_count{registry=\"quay.io\"} 2\n"
                        + "# HELP t_seconds_a_total Sorts between the family's sample names\n"
                        + "# TYPE t_seconds_a_total counter\nt_seconds_a_total 1\n",
                Metrics.merge(List.of(node.render(), other.render())));
    }

    @Test
    void writesItsFileWholeAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Metrics m = new Metrics();
        Metrics.Counter c = m.counter("x_total", "Things");
        Path file = new LogDirLayout(dir.resolve("logs")).cleanerMetrics();
        c.labels().add(1);
        m.writeTo(file);
        c.labels().add(1);
        m.writeTo(file);
        assertEquals(m.render(), Files.readString(file));
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void aLaterRunGoesOnCountingFromWhatTheEarlierRunWroteAndMeasuresGaugesAnew(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cleaner.prom");
        Metrics first = new Metrics();
        first.counter("passes_total", "Passes").labels().add(1);
        first.counter("skipped_total", "Skips", "reason")
                .labels("line \"too\" long}")
                .add(3);
        first.gauge("store_bytes", "Size").set(500);
        first.writeTo(file);
        Metrics next = new Metrics();
        next.counter("passes_total", "Passes");
        next.counter("skipped_total", "Skips", "reason");
        next.gauge("store_bytes", "Size");
        next.resumeCounters(file);
        next.counter("passes_total", "Passes").labels().add(1);
        next.gauge("store_bytes", "Size").set(200);
        assertEquals(
                "# HELP passes_total Passes\n# TYPE passes_total counter\npasses_total 2\n"
                        + "# HELP skipped_total Skips\n# TYPE skipped_total counter\n"
                        + "skipped_total{reason=\"line \\\"too\\\" long}\"} 3\n"
                        + "# HELP store_bytes Size\n# TYPE store_bytes gauge\nstore_bytes 200\n",
                next.render());
        Metrics fresh = new Metrics();
        fresh.counter("passes_total", "Passes").labels().add(1);
        fresh.resumeCounters(dir.resolve("none.prom"));
        assertEquals(1, fresh.counter("passes_total", "Passes").labels().sum());
    }
}
