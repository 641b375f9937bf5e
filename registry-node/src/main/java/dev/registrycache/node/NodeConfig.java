package dev.registrycache.node;

import dev.registrycache.common.InvalidValueException;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.ConfigException;
import dev.registrycache.common.settings.Credentials;
import dev.registrycache.common.settings.NodeToken;
import dev.registrycache.common.settings.PullSecret;
import dev.registrycache.common.settings.Setting;
import dev.registrycache.common.settings.TagDeadline;
import dev.registrycache.common.settings.TagTtls;
import dev.registrycache.common.settings.TrustedRealms;
import dev.registrycache.common.settings.UpstreamEndpoints;
import dev.registrycache.common.settings.WritableFolder;
import dev.registrycache.common.store.location.StoreLocation;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a node needs, read once and validated before it serves: which upstream, where it
 * is, with which credentials (from the pull secret, never the command line; the file is named in
 * the WARN lines when the upstream refuses them), whether its
 * redirects may lead to private addresses, which token realm hosts besides its own may have the
 * credentials, where the store and logs are, and where to listen.
 */
public record NodeConfig(
        RegistryHost registry,
        URI endpoint,
        Optional<Credentials> credentials,
        Optional<Path> upstreamCaFile,
        StoreLocation store,
        Path logDir,
        String host,
        int port,
        boolean allowPrivateRedirects,
        Set<String> trustedRealmHosts,
        Optional<NodeToken> nodeToken,
        Duration tagTtl,
        Duration tagDeadline,
        boolean completeImages,
        Optional<Path> pullSecretFile) {
    /** What the short constructors use: ask the upstream on every pull by tag (no TTL), no image completion. */
    static final Duration NO_TAG_TTL = Duration.ZERO;

    static final Duration DEFAULT_TAG_DEADLINE = TagDeadline.DEFAULT;

    /** A node that answers any local process (no {@link NodeToken}): tests, and a node run by hand. */
    public NodeConfig(
            RegistryHost registry,
            URI endpoint,
            Optional<Credentials> credentials,
            Optional<Path> upstreamCaFile,
            Path dataDir,
            Path logDir,
            String host,
            int port,
            boolean allowPrivateRedirects) {
        this(
                registry,
                endpoint,
                credentials,
                upstreamCaFile,
                StoreLocation.folder(dataDir),
                logDir,
                host,
                port,
                allowPrivateRedirects,
                Set.of(),
                Optional.empty(),
                NO_TAG_TTL,
                DEFAULT_TAG_DEADLINE,
                false,
                Optional.empty());
    }

    /** A node that follows upstream redirects to public addresses only (see {@code RedirectPolicy}). */
    public NodeConfig(
            RegistryHost registry,
            URI endpoint,
            Optional<Credentials> credentials,
            Optional<Path> upstreamCaFile,
            Path dataDir,
            Path logDir,
            String host,
            int port) {
        this(registry, endpoint, credentials, upstreamCaFile, dataDir, logDir, host, port, false);
    }

    /** Builds the configuration from flag values (null when not given) and the environment. */
    public static NodeConfig resolve(
            String upstream,
            String pullSecretFlag,
            String dataDirFlag,
            String logDirFlag,
            String host,
            Integer port,
            Map<String, String> env) {
        if (upstream == null || upstream.isBlank()) {
            throw new ConfigException("--upstream: required (a pull-secret key such as quay.io)");
        }
        RegistryHost registry;
        try {
            registry = RegistryHost.fromKey(upstream);
        } catch (InvalidValueException e) {
            throw new ConfigException("--upstream '" + upstream + "': " + e.getMessage());
        }
        Path secretFile = Path.of(Setting.PULL_SECRET.resolve(pullSecretFlag, env));
        Optional<Credentials> credentials = PullSecret.read(secretFile).credentialsFor(registry, secretFile.toString());
        UpstreamEndpoints endpoints = UpstreamEndpoints.parse(env.get(Setting.UPSTREAM_ENDPOINTS.env()));
        Optional<Path> caFile = Setting.UPSTREAM_CA_FILE.resolveReadableFile(null, env);
        boolean allowPrivateRedirects = Setting.UPSTREAM_ALLOW_PRIVATE_REDIRECTS.resolveBoolean(null, env);
        Set<String> trustedRealmHosts = TrustedRealms.parse(env.get(Setting.UPSTREAM_TRUSTED_REALMS.env()))
                .hostsFor(registry);
        int p = port == null ? 5000 : port;
        if (p < 0 || p > 65535) {
            throw new ConfigException("--port " + p + ": out of range");
        }
        return new NodeConfig(
                registry,
                endpoints.endpointFor(registry),
                credentials,
                caFile,
                StoreLocation.of(
                        WritableFolder.require(Path.of(Setting.DATA_DIR.resolve(dataDirFlag, env)), Setting.DATA_DIR),
                        env),
                WritableFolder.require(Path.of(Setting.LOG_DIR.resolve(logDirFlag, env)), Setting.LOG_DIR),
                host == null ? "127.0.0.1" : host,
                p,
                allowPrivateRedirects,
                trustedRealmHosts,
                NodeToken.fromEnvironment(env),
                TagTtls.parse(env.get(Setting.TAG_TTL.env())).of(registry),
                TagDeadline.resolve(env),
                // with several replicas a blob is fetched by the replica that owns it, which a node
                // does not know: completing images there would fetch blobs twice
                Setting.COMPLETE_IMAGES.resolveBoolean(null, env) && Setting.PEERS.resolve(null, env) == null,
                Optional.of(secretFile));
    }

    /** This configuration with another tag TTL and tag-check deadline. */
    public NodeConfig withTagChecks(Duration ttl, Duration deadline) {
        return with(store, ttl, deadline, completeImages);
    }

    /** This configuration with image completion on or off. */
    public NodeConfig withImageCompletion(boolean on) {
        return with(store, tagTtl, tagDeadline, on);
    }

    /** This configuration with the datastore in {@code location}. */
    public NodeConfig withStore(StoreLocation location) {
        return with(location, tagTtl, tagDeadline, completeImages);
    }

    private NodeConfig with(StoreLocation location, Duration ttl, Duration deadline, boolean complete) {
        return new NodeConfig(
                registry,
                endpoint,
                credentials,
                upstreamCaFile,
                location,
                logDir,
                host,
                port,
                allowPrivateRedirects,
                trustedRealmHosts,
                nodeToken,
                ttl,
                deadline,
                complete,
                pullSecretFile);
    }

    /** This node's access log file in the log dir. */
    public Path accessLogFile() {
        return new LogDirLayout(logDir).nodeAccessLog(registry);
    }
}
