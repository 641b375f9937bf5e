package dev.registrycache.supervisor;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.BindAddress;
import dev.registrycache.common.settings.CleanerSettings;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.DefaultRegistry;
import dev.registrycache.common.settings.PeerSettings;
import dev.registrycache.common.settings.PullSecret;
import dev.registrycache.common.settings.Setting;
import dev.registrycache.common.settings.TagDeadline;
import dev.registrycache.common.settings.TagTtls;
import dev.registrycache.common.settings.TrustedRealms;
import dev.registrycache.common.settings.UpstreamEndpoints;
import dev.registrycache.common.settings.WritableFolder;
import dev.registrycache.common.store.location.StoreLocation;
import dev.registrycache.gateway.GatewayChecks;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the supervisor needs, read and validated before any child starts, so that bad
 * configuration is refused with one clear message instead of children failing in a loop.
 */
record SupervisorConfig(
        Path pullSecret,
        Path dataDir,
        StoreLocation store,
        Path logDir,
        int port,
        BindAddress host,
        Path certs,
        boolean tls,
        boolean authenticated,
        List<RegistryHost> registries,
        Set<RegistryHost> withCredentials,
        Optional<RegistryHost> defaultRegistry,
        CleanerSettings cleaner,
        boolean scaledOut,
        Map<String, String> env) {
    private static final List<String> LOG_LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");

    static SupervisorConfig resolve(
            String pullSecretFlag,
            String dataDirFlag,
            String logDirFlag,
            String portFlag,
            String hostFlag,
            String certsFlag,
            Map<String, String> env) {
        Path pullSecret = Path.of(Setting.PULL_SECRET.resolve(pullSecretFlag, env));
        PullSecret secret = PullSecret.read(pullSecret);
        Set<RegistryHost> ignored = new HashSet<>();
        String ignoreList = Setting.IGNOREREGISTRYLIST.resolve(null, env);
        for (String key : ignoreList == null ? new String[0] : ignoreList.trim().split("\\s+")) {
            if (key.isEmpty()) {
                continue;
            }
            try {
                ignored.add(RegistryHost.fromKey(key));
            } catch (InvalidValueException e) {
                throw new ConfigException("IGNOREREGISTRYLIST: entry '" + key + "': " + e.getMessage());
            }
        }
        List<RegistryHost> registries = new ArrayList<>();
        for (RegistryHost host : secret.entries().keySet()) {
            if (!ignored.contains(host)) {
                registries.add(host);
            }
        }
        if (secret.entries().isEmpty()) {
            throw new ConfigException(
                    "pull secret " + pullSecret + " (PULL_SECRET): \"auths\" names no registry; add one entry per "
                            + "registry to cache, e.g. {\"auths\":{\"quay.io\":{}}} (an entry without \"auth\" is anonymous)");
        }
        if (registries.isEmpty()) {
            throw new ConfigException(
                    "pull secret " + pullSecret + " (PULL_SECRET): every registry in it is in IGNOREREGISTRYLIST ("
                            + String.valueOf(ignoreList).trim() + "); nothing is left to serve");
        }
        Optional<RegistryHost> defaultRegistry = DefaultRegistry.resolve(env, registries);
        UpstreamEndpoints.parse(env.get(Setting.UPSTREAM_ENDPOINTS.env()));
        TagTtls.parse(env.get(Setting.TAG_TTL.env()));
        TagDeadline.resolve(env);
        Setting.COMPLETE_IMAGES.resolveBoolean(null, env);
        Setting.UPSTREAM_CA_FILE.resolveReadableFile(null, env);
        Setting.UPSTREAM_ALLOW_PRIVATE_REDIRECTS.resolveBoolean(null, env);
        TrustedRealms.parse(env.get(Setting.UPSTREAM_TRUSTED_REALMS.env()));
        int port = Setting.PORT.resolveInt(portFlag, env, 1, 65535, "a port number");
        BindAddress host = BindAddress.resolve(hostFlag, env);
        Path certs = Path.of(Setting.CERTS.resolve(certsFlag, env));
        boolean tls = Files.exists(certs);
        if (tls) {
            GatewayChecks.checkCertificates(certs);
        }
        boolean authenticated = GatewayChecks.checkAuthentication(env);
        Optional<PeerSettings> peerSettings = PeerSettings.from(env);
        peerSettings.ifPresent(peers -> {
            checkPortFree(host, peers.port());
            GatewayChecks.refusePublicPorts(peers);
        });
        CleanerSettings cleaner = CleanerSettings.from(env);
        checkLogLevel(env);
        Setting.WARMUP_SIZE.resolveSize(null, env);
        checkPortFree(host, port);
        Path dataDir = WritableFolder.require(Path.of(Setting.DATA_DIR.resolve(dataDirFlag, env)), Setting.DATA_DIR);
        Path logDir = WritableFolder.require(Path.of(Setting.LOG_DIR.resolve(logDirFlag, env)), Setting.LOG_DIR);
        return new SupervisorConfig(
                pullSecret,
                dataDir,
                StoreLocation.of(dataDir, env),
                logDir,
                port,
                host,
                certs,
                tls,
                authenticated,
                List.copyOf(registries),
                secret.entries().entrySet().stream()
                        .filter(e -> e.getValue().isPresent())
                        .map(Map.Entry::getKey)
                        .collect(java.util.stream.Collectors.toUnmodifiableSet()),
                defaultRegistry,
                cleaner,
                peerSettings.isPresent(),
                Map.copyOf(env));
    }

    private static void checkLogLevel(Map<String, String> env) {
        String level = Setting.LOG_LEVEL.resolve(null, env);
        if (!LOG_LEVELS.contains(level.trim().toUpperCase(Locale.ROOT))) {
            throw new ConfigException("LOG_LEVEL: '" + level + "' is not one of " + String.join(", ", LOG_LEVELS));
        }
    }

    /**
     * The public port must be free before anything starts: another process listening there would
     * answer the ready check, and the gateway would fail to bind and be restarted forever.
     */
    private static void checkPortFree(BindAddress host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(host.isAll() ? new InetSocketAddress(port) : new InetSocketAddress(host.probeAddress(), port));
        } catch (BindException e) {
            throw new ConfigException("PORT / --port " + port + ": "
                    + (e.getMessage() != null && e.getMessage().contains("ermission")
                            ? "binding a port below 1024 needs privileges (CAP_NET_BIND_SERVICE); choose a port from 1024, e.g. 8443"
                            : "another process already listens on it (ss -ltnp 'sport = :" + port
                                    + "' shows which); stop it or choose " + "another port"));
        } catch (IOException e) {
            throw new ConfigException("PORT / --port " + port + ": cannot listen on it: " + Reasons.of(e));
        }
    }
}
