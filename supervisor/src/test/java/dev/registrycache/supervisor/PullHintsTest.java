package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.registrycache.testsupport.FreePort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PullHintsTest {
    @TempDir
    Path dir;

    private SupervisorConfig config(String pullSecret, Map<String, String> extra) throws Exception {
        Path secret = Files.writeString(dir.resolve("ps.json"), pullSecret);
        Map<String, String> env = new HashMap<>(extra);
        env.put("PULL_SECRET", secret.toString());
        env.put("DATA_DIR", Files.createDirectories(dir.resolve("data")).toString());
        env.put("LOG_DIR", Files.createDirectories(dir.resolve("logs")).toString());
        env.put("CERTS", dir.resolve("absent.pem").toString());
        env.put("PORT", Integer.toString(FreePort.pick()));
        env.put("BIND_ADDRESS", "127.0.0.1");
        return SupervisorConfig.resolve(null, null, null, null, null, null, env);
    }

    @Test
    void saysWhatThisStartServesAndHow() throws Exception {
        SupervisorConfig config = config(
                "{\"auths\":{\"docker.io\":{},\"quay.io\":{\"auth\":\"dTpw\"},\"registry.local:5000\":{}}}", Map.of());
        assertEquals(
                List.of(
                        "  docker.io (anonymously): podman pull --tls-verify=false localhost:8443/docker.io/library/alpine:latest",
                        "  quay.io (with the pull secret's credentials): podman pull --tls-verify=false "
                                + "localhost:8443/quay.io/podman/hello:latest",
                        "  registry.local:5000 (anonymously): podman pull --tls-verify=false "
                                + "localhost:8443/registry.local_5000/<repository>:<tag>",
                        "  names without a registry go to docker.io: Docker's daemon.json \"registry-mirrors\": "
                                + "[\"http://localhost:8443\"]"),
                PullHints.of(config, "localhost:8443"));
    }

    @Test
    void asksForALoginWhenHtpasswdIsOnAndNamesNoDefaultWithoutDockerHub() throws Exception {
        Path htpasswd = Files.writeString(
                dir.resolve("htpasswd"), "u:$2y$05$abcdefghijklmnopqrstuu5YCxmOMVGfR1kb3wOI4cy7Jq3ZUD7.K\n");
        SupervisorConfig config = config(
                "{\"auths\":{\"quay.io\":{}}}",
                Map.of("REGISTRY_AUTH", "htpasswd", "REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString()));
        assertEquals(
                List.of(
                        "  quay.io (anonymously): podman pull --tls-verify=false localhost:8443/quay.io/podman/hello:latest",
                        "  htpasswd is on: podman login --tls-verify=false localhost:8443 first (docker login localhost:8443)"),
                PullHints.of(config, "localhost:8443"));
    }
}
