package dev.registrycache.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files under docker/monitoring as tests read them: the Grafana dashboard's queries, with
 * Grafana's variables given the values a user sees with every instance and registry selected,
 * and the alerting rules' names. Without a Grafana on the machine, the queries are what can be
 * checked: each is asked of a real Prometheus.
 */
final class MonitoringFiles {
    static final Path FOLDER = ContainerHost.ROOT.resolve("docker/monitoring");
    static final Path DASHBOARD = FOLDER.resolve("registry-cache-dashboard.json");
    static final Path RULES = FOLDER.resolve("registry-cache-rules.yml");
    static final Path RULES_TESTS = FOLDER.resolve("registry-cache-rules.test.yml");

    /** Grafana's variables and what they stand for when everything is selected ("All"). */
    private static final Map<String, String> VARIABLES = Map.of(
            "$__rate_interval", "1m",
            "$__interval", "15s",
            "$__range", "5m",
            "$instance", ".*",
            "$registry", ".*");

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

    private MonitoringFiles() {}

    /** One query of the dashboard: where it is, and the PromQL Prometheus is asked. */
    record Query(String where, String promql) {
        /** Whether the query reads {@code metric}. */
        boolean reads(String metric) {
            return Pattern.compile("\\b" + Pattern.quote(metric) + "\\b")
                    .matcher(promql)
                    .find();
        }
    }

    static JsonNode dashboard() {
        try {
            return new ObjectMapper().readTree(DASHBOARD.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DASHBOARD, e);
        }
    }

    /** Every panel of the dashboard, those inside rows included. */
    static List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode panel : dashboard().path("panels")) {
            out.add(panel);
            panel.path("panels").forEach(out::add);
        }
        return out;
    }

    /**
     * Every query of the dashboard: each panel target's {@code expr}, and each query variable's
     * {@code label_values(selector, label)} as the PromQL that lists those values.
     */
    static List<Query> queries() {
        List<Query> out = new ArrayList<>();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                out.add(new Query(
                        "panel \"" + panel.path("title").asText() + "\" target "
                                + target.path("refId").asText(),
                        substituted(target.path("expr").asText())));
            }
        }
        for (JsonNode variable : dashboard().path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode query = variable.path("query");
                String text = query.isObject() ? query.path("query").asText() : query.asText();
                Matcher m = LABEL_VALUES.matcher(text);
                if (!m.matches()) {
                    throw new AssertionError("variable " + variable.path("name") + ": not label_values(...): " + text);
                }
                out.add(new Query(
                        "variable $" + variable.path("name").asText(),
                        "count by (" + m.group(2) + ") (" + substituted(m.group(1)) + ")"));
            }
        }
        return out;
    }

    private static String substituted(String expr) {
        String out = expr;
        for (Map.Entry<String, String> v : VARIABLES.entrySet()) {
            out = out.replace(v.getKey(), v.getValue());
        }
        if (out.contains("$")) {
            throw new AssertionError("a Grafana variable the tests do not know in " + expr);
        }
        return out;
    }

    /**
     * The cache's metrics the alerting rules read: a name misspelt there would not fail the
     * rules' unit tests (their input series would carry the same name), only never fire.
     */
    static Set<String> metricsTheRulesRead() {
        try {
            Set<String> names = new TreeSet<>();
            Matcher m = Pattern.compile("\\bregistry_cache_\\w+").matcher(Files.readString(RULES));
            while (m.find()) {
                names.add(m.group());
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RULES, e);
        }
    }

    /** The names of the alerts in the rules file. */
    static Set<String> alertNames() {
        try {
            Set<String> names = new TreeSet<>();
            for (JsonNode group : new YAMLMapper().readTree(RULES.toFile()).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    names.add(rule.path("alert").asText());
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RULES, e);
        }
    }
}
