package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard's file is importable as it is into any Grafana with any Prometheus data
 * source: every panel and query reads the data source the user picks ({@code DS_PROMETHEUS}),
 * panels do not overlap, and the subjects each have their metric on it. Whether its
 * queries answer, {@link DashboardsAndAlertsIT} asks a real Prometheus.
 */
class DashboardFileTest {
    private static final String DATA_SOURCE = "${DS_PROMETHEUS}";

    @Test
    void itsDataSourceIsAVariableTheUserPicksAmongPrometheusDataSources() {
        JsonNode dashboard = MonitoringFiles.dashboard();
        assertTrue(dashboard.path("id").isNull(), "no id of the Grafana it was made in");
        assertFalse(dashboard.path("uid").asText().isEmpty());
        JsonNode variable = null;
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("name").asText().equals("DS_PROMETHEUS")) {
                variable = v;
            }
        }
        assertTrue(variable != null, "a DS_PROMETHEUS variable");
        assertEquals("datasource", variable.path("type").asText());
        assertEquals("prometheus", variable.path("query").asText());
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                assertEquals(DATA_SOURCE, v.path("datasource").path("uid").asText(), v.toString());
            }
        }
    }

    @Test
    void everyPanelAndQueryReadsThePickedDataSource() {
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : MonitoringFiles.panels()) {
            String title = panel.path("title").asText();
            assertTrue(ids.add(panel.path("id").asInt()), "panel id used twice: " + title);
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals(DATA_SOURCE, panel.path("datasource").path("uid").asText(), title);
            assertFalse(panel.path("targets").isEmpty(), title);
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : panel.path("targets")) {
                assertEquals(DATA_SOURCE, target.path("datasource").path("uid").asText(), title);
                assertTrue(refIds.add(target.path("refId").asText()), title);
                assertFalse(target.path("expr").asText().isBlank(), title);
            }
        }
    }

    @Test
    void noPanelCoversAnother() {
        List<JsonNode> placed = new ArrayList<>();
        for (JsonNode panel : MonitoringFiles.panels()) {
            JsonNode at = panel.path("gridPos");
            assertTrue(at.path("x").asInt() + at.path("w").asInt() <= 24, panel.path("title") + " within 24 columns");
            for (JsonNode other : placed) {
                JsonNode o = other.path("gridPos");
                boolean apart = at.path("x").asInt() + at.path("w").asInt()
                                <= o.path("x").asInt()
                        || o.path("x").asInt() + o.path("w").asInt()
                                <= at.path("x").asInt()
                        || at.path("y").asInt() + at.path("h").asInt()
                                <= o.path("y").asInt()
                        || o.path("y").asInt() + o.path("h").asInt()
                                <= at.path("y").asInt();
                assertTrue(apart, panel.path("title") + " covers " + other.path("title"));
            }
            placed.add(panel);
        }
    }

    @Test
    void itShowsEverySubjectTheOperatorsAskedFor() {
        List<MonitoringFiles.Query> queries = MonitoringFiles.queries();
        for (String metric : List.of(
                "registry_cache_requests_total", // hit ratio
                "registry_cache_served_bytes_total", // bytes from the cache vs the upstream
                "registry_cache_upstream_responses_total", // upstream errors
                "registry_cache_upstream_response_seconds_bucket", // upstream latency
                "registry_cache_store_bytes", // store size...
                "registry_cache_store_max_bytes", // ...vs its limit
                "registry_cache_evicted_bytes_total",
                "registry_cache_child_restarts_total",
                "registry_cache_replicas",
                "registry_cache_node_up",
                "registry_cache_upstream_unwell",
                "registry_cache_upstream_ratelimit_remaining",
                "registry_cache_pinned_images",
                "registry_cache_pinned_bytes",
                "registry_cache_quarantined_digests",
                "registry_cache_admin_actions_total",
                "registry_cache_s3_requests_total")) { // the datastore's bucket
            assertTrue(queries.stream().anyMatch(q -> q.reads(metric)), metric + " on no panel");
        }
    }
}
