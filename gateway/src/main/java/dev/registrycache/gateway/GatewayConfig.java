package dev.registrycache.gateway;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.AdminUsers;
import dev.registrycache.common.settings.BindAddress;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.DefaultRegistry;
import dev.registrycache.common.settings.NodeToken;
import dev.registrycache.common.settings.PeerSettings;
import dev.registrycache.common.settings.Setting;
import dev.registrycache.common.store.location.StoreLocation;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's settings, read once and validated: where to listen, TLS or not, client
 * authentication and the admin API's users, which node serves which registry prefix (and repositories named without one), and the shared datastore (whose
 * stored blobs the gateway answers itself) and log dir.
 */
record GatewayConfig(
        String host,
        int port,
        Optional<Path> certs,
        Optional<Auth> auth,
        Optional<AdminUsers> adminUsers,
        Map<String, URI> nodes,
        Map<String, RegistryHost> registries,
        Optional<RegistryHost> defaultRegistry,
        StoreLocation store,
        Path logDir,
        Optional<NodeToken> nodeToken,
        Optional<PeerSettings> peers) {

    /** htpasswd client authentication. */
    record Auth(String realm, Path htpasswd) {}

    static GatewayConfig resolve(
            String host,
            String portFlag,
            String certsFlag,
            String dataDirFlag,
            String logDirFlag,
            List<String> nodeFlags,
            Map<String, String> env) {
        int port = Setting.PORT.resolveInt(portFlag, env, 0, 65535, "a port number");
        Path certsFile = Path.of(Setting.CERTS.resolve(certsFlag, env));
        Optional<Path> certs = Files.exists(certsFile) ? Optional.of(certsFile) : Optional.empty();

        Optional<Auth> auth = resolveAuth(env);

        Map<String, URI> nodes = new LinkedHashMap<>();
        Map<String, RegistryHost> registries = new LinkedHashMap<>();
        for (String entry : nodeFlags) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--node '" + entry + "': expected <registry>=<node url>");
            }
            RegistryHost registry;
            try {
                registry = RegistryHost.fromKey(entry.substring(0, eq));
            } catch (InvalidValueException e) {
                throw new ConfigException("--node '" + entry + "': " + e.getMessage());
            }
            URI uri;
            try {
                uri = new URI(entry.substring(eq + 1));
            } catch (URISyntaxException e) {
                throw new ConfigException("--node '" + entry + "': not a URL");
            }
            if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                throw new ConfigException("--node '" + entry + "': expected http://<host>:<port>");
            }
            if (nodes.put(registry.prefix(), uri) != null) {
                throw new ConfigException("--node: " + registry + " is given twice");
            }
            registries.put(registry.prefix(), registry);
        }
        return new GatewayConfig(
                BindAddress.resolve(host, env).listenHost(),
                port,
                certs,
                auth,
                AdminUsers.resolve(env, auth.isPresent()),
                Collections.unmodifiableMap(nodes),
                Collections.unmodifiableMap(registries),
                DefaultRegistry.resolve(env, registries.values()),
                StoreLocation.of(Path.of(Setting.DATA_DIR.resolve(dataDirFlag, env)), env),
                Path.of(Setting.LOG_DIR.resolve(logDirFlag, env)),
                NodeToken.fromEnvironment(env),
                PeerSettings.from(env));
    }

    /** Client authentication from {@code REGISTRY_AUTH*}, or empty when it is off. */
    static Optional<Auth> resolveAuth(Map<String, String> env) {
        String mode = Setting.REGISTRY_AUTH.resolve(null, env);
        if (mode == null) {
            return Optional.empty();
        }
        if (!mode.toLowerCase(Locale.ROOT).equals("htpasswd")) {
            throw new ConfigException("REGISTRY_AUTH: '" + mode + "' is not supported; set htpasswd or leave it unset");
        }
        Path htpasswd = Path.of(Setting.REGISTRY_AUTH_HTPASSWD_PATH.resolve(null, env));
        if (!Files.isReadable(htpasswd)) {
            throw new ConfigException(
                    "REGISTRY_AUTH_HTPASSWD_PATH: htpasswd file " + htpasswd + " not found or not readable");
        }
        return Optional.of(new Auth(Setting.REGISTRY_AUTH_HTPASSWD_REALM.resolve(null, env), htpasswd));
    }
}
