package dev.registrycache.node;

import dev.registrycache.common.http.SyntheticBlobServer;
import dev.registrycache.common.http.WarmUp;
import dev.registrycache.common.store.FileDatastore;
import dev.registrycache.common.store.StoreLayout;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.client.HttpClient;

/**
 * The node's {@link WarmUp}: a throwaway node for the same registry, its datastore and logs in a
 * temporary folder, whose upstream is a {@link SyntheticBlobServer}; each transfer is a cold GET
 * of the synthetic blob through it (the copy the previous one stored is removed first), so the
 * whole cold path runs: the upstream client, the upload to the datastore, the digest, the
 * readers' buffers and the responses.
 */
final class NodeWarmUp implements WarmUp.Rig {
    /** Small: the throwaway datastore lives in the temporary folder (an emptyDir of 256 MiB on Kubernetes). */
    private static final int BLOB_MIB = 8;

    private final Path folder;
    private final SyntheticBlobServer upstream;
    private final RegistryNode node;
    private final HttpClient client = new HttpClient();
    private final URI blob;

    private NodeWarmUp(NodeConfig real, Path folder) throws Exception {
        this.folder = folder;
        this.upstream = new SyntheticBlobServer(BLOB_MIB);
        NodeConfig copy = new NodeConfig(
                real.registry(),
                upstream.uri(),
                Optional.empty(),
                Optional.empty(),
                folder.resolve("data"),
                folder.resolve("log"),
                "127.0.0.1",
                0,
                true);
        this.node = new RegistryNode(copy, false);
        node.start();
        client.start();
        blob = URI.create("http://127.0.0.1:" + node.port() + "/v2/"
                + real.registry().prefix() + "/warm-up/blobs/" + upstream.digest());
    }

    /** The rig for {@code real}'s node, in a new temporary folder. */
    static NodeWarmUp open(NodeConfig real) throws Exception {
        return WarmUp.inNewFolder(folder -> {
            Files.createDirectories(folder.resolve("log"));
            return new NodeWarmUp(real, folder);
        });
    }

    @Override
    public long transfer(BooleanSupplier stop) throws Exception {
        FileDatastore.deleteTree(new StoreLayout(folder.resolve("data")).root());
        return WarmUp.get(client.newRequest(blob), stop);
    }

    @Override
    public void close() throws Exception {
        try (upstream) {
            client.stop();
            node.close();
        } finally {
            FileDatastore.deleteTree(folder);
        }
    }
}
