package dev.registrycache.gateway;

import dev.registrycache.common.http.OwnCertificate;
import dev.registrycache.common.http.SyntheticBlobServer;
import dev.registrycache.common.http.WarmUp;
import dev.registrycache.common.oci.NameMapping;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.oci.RepositoryName;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.common.store.location.StoreLocation;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The gateway's {@link WarmUp}: a throwaway gateway with the same certificate (TLS, HTTP/2 and
 * HTTP/1.1) on a loopback port, its logs and datastore in a temporary folder, whose one node is
 * a {@link SyntheticBlobServer}, and whose datastore holds the same blob under another
 * repository; each transfer GETs the blob, by turns over HTTP/2 and HTTP/1.1, through the node
 * (cold) and from the datastore (warm), so the TLS records, both protocols, the proxy's copies
 * and the stored blobs' mapped writes run.
 */
final class GatewayWarmUp implements WarmUp.Rig {
    /** Small: the throwaway datastore lives in the temporary folder (an emptyDir of 256 MiB on Kubernetes). */
    private static final int BLOB_MIB = 8;
    /** The repository whose blob the throwaway gateway answers from its datastore. */
    private static final String STORED = "warm-up-stored";

    private final Path folder;
    private final SyntheticBlobServer node;
    private final GatewayServer gateway;
    private final HttpClient client;
    private final URI cold;
    private final URI warm;
    private final boolean tls;
    private int transfers;

    private GatewayWarmUp(GatewayConfig real, Path folder) throws Exception {
        this.folder = folder;
        this.tls = real.certs().isPresent();
        this.node = new SyntheticBlobServer(BLOB_MIB);
        RegistryHost registry = real.registries().values().iterator().next();
        GatewayConfig copy = new GatewayConfig(
                "127.0.0.1",
                0,
                real.certs(),
                Optional.empty(),
                Optional.empty(),
                Map.of(registry.prefix(), node.uri()),
                Map.of(registry.prefix(), registry),
                Optional.empty(),
                StoreLocation.folder(folder.resolve("data")),
                folder.resolve("log"),
                Optional.empty(),
                Optional.empty());
        node.storeIn(
                new FileDatastore(copy.store().dataDir()),
                new NameMapping(registry)
                        .map(RepositoryName.parse(registry.prefix() + "/" + STORED))
                        .store());
        this.gateway = new GatewayServer(copy, false);
        gateway.start();
        ClientConnector connector = new ClientConnector();
        if (tls) {
            SSLContext context = SSLContext.getInstance("TLS");
            Certificate own = PemKeyStore.load(real.certs().get()).getCertificate(PemKeyStore.ALIAS);
            context.init(null, new TrustManager[] {new OwnCertificate(own)}, null);
            SslContextFactory.Client factory = new SslContextFactory.Client();
            factory.setSslContext(context);
            connector.setSslContextFactory(factory);
        }
        client = new HttpClient(new HttpClientTransportDynamic(
                connector,
                new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)),
                HttpClientConnectionFactory.HTTP11));
        client.start();
        String scheme = tls ? "https" : "http";
        String base = scheme + "://127.0.0.1:" + gateway.port() + "/v2/" + registry.prefix() + "/";
        cold = URI.create(base + "warm-up/blobs/" + node.digest());
        warm = URI.create(base + STORED + "/blobs/" + node.digest());
    }

    /** The rig for the gateway configured by {@code real}, in a new temporary folder; null without registries. */
    static GatewayWarmUp open(GatewayConfig real) throws Exception {
        if (real.registries().isEmpty()) {
            return null;
        }
        return WarmUp.inNewFolder(folder -> new GatewayWarmUp(real, folder));
    }

    @Override
    public long transfer(BooleanSupplier stop) throws Exception {
        // HTTP/2 and HTTP/1.1 (without TLS the gateway speaks HTTP/1.1 alone), each cold and warm
        int turn = transfers++;
        HttpVersion version = tls && turn % 2 == 0 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1;
        return WarmUp.get(client.newRequest(turn / 2 % 2 == 0 ? cold : warm).version(version), stop);
    }

    /** The synthetic node behind the throwaway gateway. */
    SyntheticBlobServer node() {
        return node;
    }

    @Override
    public void close() throws Exception {
        try (node) {
            client.stop();
            gateway.close();
        } finally {
            FileDatastore.deleteTree(folder);
        }
    }
}
