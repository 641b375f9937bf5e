package dev.registrycache.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
    @TempDir
    Path dir;

    private NodeConfig resolve(Map<String, String> extraEnv) throws Exception {
        Path secret = Files.writeString(dir.resolve("pull-secret.json"), "{\"auths\":{\"quay.io\":{}}}");
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("PULL_SECRET", secret.toString());
        env.put("DATA_DIR", Files.createDirectories(dir.resolve("data")).toString());
        env.put("LOG_DIR", Files.createDirectories(dir.resolve("logs")).toString());
        return NodeConfig.resolve("quay.io", null, null, null, null, 0, env);
    }

    @Test
    void privateRedirectsAreRefusedUnlessTheSettingAllowsThem() throws Exception {
        assertFalse(resolve(Map.of()).allowPrivateRedirects());
        assertTrue(resolve(Map.of("UPSTREAM_ALLOW_PRIVATE_REDIRECTS", "true")).allowPrivateRedirects());
        ConfigException e = assertThrows(
                ConfigException.class, () -> resolve(Map.of("UPSTREAM_ALLOW_PRIVATE_REDIRECTS", "sometimes")));
        assertTrue(e.getMessage().contains("UPSTREAM_ALLOW_PRIVATE_REDIRECTS"), e.getMessage());
    }
}
