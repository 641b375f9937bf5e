package dev.registrycache.warm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.client.CacheOptions;
import dev.registrycache.common.oci.Platform;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.Credentials;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings of a run: the cache as {@code CacheAccessTest} shows, with the password in
 * WARM_PASSWORD; the platform.
 */
class WarmSettingsTest {
    @TempDir
    Path dir;

    private Map<String, String> plainLocalGateway() {
        return Map.of(
                "PORT",
                "9443",
                "BIND_ADDRESS",
                "127.0.0.1",
                "CERTS",
                dir.resolve("absent.pem").toString());
    }

    private static InputStream noInput() {
        return new ByteArrayInputStream(new byte[0]);
    }

    private static WarmSettings.Flags flags(CacheOptions cache, String platform) {
        return new WarmSettings.Flags(cache, null, platform, List.of("alpine"));
    }

    @Test
    void theCacheIsTheGatewayOnThisHostAndThePasswordIsInWarmPassword() {
        Map<String, String> env = new java.util.HashMap<>(plainLocalGateway());
        env.put("WARM_PASSWORD", "s3cret");
        WarmSettings settings =
                WarmSettings.resolve(flags(new CacheOptions(null, "puller", false), null), env, noInput());
        assertEquals(URI.create("http://127.0.0.1:9443"), settings.cache().base());
        assertEquals(
                Optional.of(new Credentials("puller", "s3cret")),
                settings.cache().credentials());
        assertEquals(Platform.host(), settings.platform());
        String noPassword = assertThrows(
                        ConfigException.class,
                        () -> WarmSettings.resolve(
                                flags(new CacheOptions(null, "puller", false), null), plainLocalGateway(), noInput()))
                .getMessage();
        assertTrue(noPassword.contains("WARM_PASSWORD or on standard input with --password-stdin"), noPassword);
    }

    @Test
    void readsThePlatformOrRefusesIt() {
        assertEquals(
                Platform.parse("linux/arm64/v8"),
                WarmSettings.resolve(flags(new CacheOptions(), "linux/arm64/v8"), plainLocalGateway(), noInput())
                        .platform());
        String message = assertThrows(
                        ConfigException.class,
                        () -> WarmSettings.resolve(flags(new CacheOptions(), "arm64"), plainLocalGateway(), noInput()))
                .getMessage();
        assertEquals("--platform: not os/architecture[/variant]: 'arm64'", message);
    }
}
