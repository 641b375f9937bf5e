package dev.registrycache.node;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.http.AccessLog;
import dev.registrycache.common.http.MetricsHandler;
import dev.registrycache.common.http.OnePortServer;
import dev.registrycache.common.http.WarmUp;
import dev.registrycache.common.oci.NameMapping;
import dev.registrycache.common.settings.NodeToken;
import dev.registrycache.common.store.Datastore;
import dev.registrycache.node.api.BlobService;
import dev.registrycache.node.api.BodyBudget;
import dev.registrycache.node.api.ManifestCache;
import dev.registrycache.node.api.ManifestService;
import dev.registrycache.node.api.RegistryApiHandler;
import dev.registrycache.node.api.RepositoryLinks;
import dev.registrycache.node.api.TagChecks;
import dev.registrycache.node.api.TagService;
import dev.registrycache.node.cache.BlobDownloads;
import dev.registrycache.node.cache.ImageCompletion;
import dev.registrycache.node.upstream.RedirectPolicy;
import dev.registrycache.node.upstream.TokenRealmPolicy;
import dev.registrycache.node.upstream.UpstreamClient;
import dev.registrycache.node.upstream.UpstreamHealth;
import java.nio.file.Files;
import java.util.Optional;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pull-through cache for one upstream: a Jetty server whose only handler is the
 * distribution API, over the shared datastore. Starts and serves what it holds even when the
 * upstream is unreachable.
 */
public final class RegistryNode extends OnePortServer {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryNode.class);

    private final NodeConfig config;
    private final Datastore store;
    private final UpstreamClient upstream;
    private final BlobDownloads downloads;
    private final AccessLog accessLog;
    private final UpstreamHealth health;
    private final Optional<ImageCompletion> completion;
    private final Metrics metrics = new Metrics();
    private final boolean announce;

    public RegistryNode(NodeConfig config) throws Exception {
        this(config, true);
    }

    /** @param announce whether {@link #start()} says what it serves: not for the warm-up's throwaway node */
    RegistryNode(NodeConfig config, boolean announce) throws Exception {
        super("node", null, config.host(), config.port(), new HttpConnectionFactory(httpConfiguration()));
        this.config = config;
        this.announce = announce;
        Files.createDirectories(config.store().dataDir());
        this.store = config.store().open("node-" + config.registry().name(), metrics);
        NodeMetrics nodeMetrics = NodeMetrics.in(metrics);
        this.upstream = new UpstreamClient(
                config.registry().name(),
                config.endpoint(),
                config.credentials(),
                config.pullSecretFile(),
                config.upstreamCaFile(),
                new RedirectPolicy(config.endpoint(), config.allowPrivateRedirects()),
                new TokenRealmPolicy(config.registry().name(), config.endpoint(), config.trustedRealmHosts()),
                nodeMetrics);
        this.downloads = new BlobDownloads(store, upstream, config.registry().name(), nodeMetrics);
        this.accessLog = new AccessLog(config.accessLogFile(), config.registry().name(), metrics);
        this.completion = config.completeImages()
                ? Optional.of(new ImageCompletion(
                        store,
                        downloads,
                        config.registry().name(),
                        nodeMetrics.completionBytes(),
                        nodeMetrics.completionBlobs()))
                : Optional.empty();
        server().setRequestLog(accessLog);

        // memory for manifests and tag lists, sized from the heap: the cache of hot manifests and
        // the budget of bodies in flight together stay under 1/3 of it
        long heap = Runtime.getRuntime().maxMemory();
        RepositoryLinks links = new RepositoryLinks(store, upstream);
        this.health =
                new UpstreamHealth(config.registry().name(), () -> upstream.answers(config.tagDeadline()), nodeMetrics);
        ManifestService manifests = new ManifestService(
                store,
                upstream,
                links,
                new ManifestCache(heap / 16),
                TagChecks.of(config.tagTtl(), health, config.tagDeadline()));
        Handler api = new MetricsHandler(
                metrics::render,
                () -> new MetricsHandler.Health(true, "{\"status\":\"ok\",\"registry\":\"" + config.registry() + "\"}"),
                new RegistryApiHandler(
                        new NameMapping(config.registry()),
                        manifests,
                        completion,
                        new BlobService(store, downloads, links),
                        new TagService(store, upstream),
                        BodyBudget.forHeap(heap)));
        setHandler(config.nodeToken()
                .<Handler>map(token -> new GatewayOnlyHandler(token, api))
                .orElse(api));
    }

    @Override
    public RegistryNode start() throws Exception {
        upstream.start();
        super.start();
        if (!announce) {
            return this;
        }
        LOG.info(
                "node for {} (upstream {}) serving {}/... on http://{}:{}, datastore {}{}",
                config.registry(),
                config.endpoint(),
                config.registry().prefix(),
                config.host(),
                port(),
                config.store().describe(),
                config.nodeToken().isPresent() ? ", for the gateway only" : "");
        if (config.nodeToken().isEmpty()) {
            LOG.warn(
                    "no node token ({} or NODE_TOKEN_FILE): any local process can pull through this port, around the "
                            + "gateway's authentication",
                    NodeToken.ENV);
        }
        return this;
    }

    @Override
    protected WarmUp.Rig warmUpRig() throws Exception {
        return NodeWarmUp.open(config);
    }

    @Override
    protected void closeAfterStop() throws Exception {
        completion.ifPresent(ImageCompletion::close);
        downloads.close();
        health.close();
        upstream.close();
        accessLog.close();
        store.close();
    }
}
