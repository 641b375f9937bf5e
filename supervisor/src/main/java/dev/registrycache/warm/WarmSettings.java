package dev.registrycache.warm;

import dev.registrycache.client.CacheAccess;
import dev.registrycache.client.CacheOptions;
import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.Platform;
import dev.registrycache.common.settings.ConfigException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a run of {@code warm} needs, read and checked before the first request: the cache to
 * fill, whom to trust there and the credentials ({@link CacheAccess}, the password from {@code
 * WARM_PASSWORD} or standard input), the platform, the images.
 */
record WarmSettings(CacheAccess cache, Platform platform, List<ImageName> images) {
    /** The environment variable that may hold the password. */
    static final String PASSWORD_ENV = "WARM_PASSWORD";

    /** What the command line said; null where it said nothing. */
    record Flags(CacheOptions cache, Path file, String platform, List<String> images) {}

    static WarmSettings resolve(Flags flags, Map<String, String> env, InputStream stdin) {
        List<ImageName> images = ImageList.read(flags.images(), flags.file());
        Platform platform = platform(flags.platform());
        return new WarmSettings(CacheAccess.resolve(flags.cache(), PASSWORD_ENV, env, stdin), platform, images);
    }

    private static Platform platform(String flag) {
        if (flag == null) {
            return Platform.host();
        }
        try {
            return Platform.parse(flag);
        } catch (InvalidValueException e) {
            throw new ConfigException("--platform: " + e.getMessage());
        }
    }
}
