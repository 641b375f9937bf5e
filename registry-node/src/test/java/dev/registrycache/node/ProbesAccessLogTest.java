package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.testsupport.FreePort;
import dev.registrycache.testsupport.RegistryClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node's access log is for the logger and for people reading what clients asked: the
 * health and metrics probes, every few seconds from the gateway, Kubernetes and Prometheus,
 * stay out of it.
 */
class ProbesAccessLogTest {
    @Test
    void probesStayOutOfTheAccessLog() throws Exception {
        try (NodeFixture node = new NodeFixture("quay.io", "http://127.0.0.1:" + FreePort.pick(), null)) {
            RegistryClient client = node.client();
            for (int i = 0; i < 3; i++) {
                assertEquals(200, client.get("/healthz").status());
                assertEquals(200, client.get("/metrics").status());
            }
            assertEquals(200, client.get("/v2/").status()); // logged after the probes: the log has them, if any

            List<String> lines =
                    node.accessLogLines(all -> all.stream().anyMatch(l -> l.contains("\"path\":\"/v2/\"")));
            assertTrue(
                    lines.stream().noneMatch(l -> l.contains("/healthz") || l.contains("/metrics")),
                    String.join("\n", lines));
        }
    }
}
