package dev.registrycache.common.http;

import java.time.Duration;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A process that serves HTTP on one port, as the node and the gateway do: a Jetty server with
 * one connector, the settings both want (thread pool, idle timeout, OCI error bodies for Jetty's
 * own errors, {@link #httpConfiguration()}), and its lifecycle: start, the port bound, stop, and
 * serving in the foreground until the JVM exits.
 * A subclass passes its connection factories, sets its handler and request log on
 * {@link #server()}, and says what it starts before the server and closes after it.
 */
public abstract class OnePortServer implements AutoCloseable {
    private final String name;
    private final Server server;
    private final ServerConnector connector;

    /**
     * @param name        the process ({@code node}, {@code gateway}): names the server's threads
     * @param buffers     the buffer pool, or null for Jetty's default one
     * @param port        the port to listen on; 0 picks a free one
     * @param stopTimeout how long requests in flight get to finish when the server stops
     * @param factories   the connector's connection factories
     */
    protected OnePortServer(
            String name,
            ByteBufferPool buffers,
            String host,
            int port,
            Duration stopTimeout,
            ConnectionFactory... factories) {
        this.name = name;
        QueuedThreadPool threads = new QueuedThreadPool(400, 8);
        threads.setName(name);
        server = new Server(threads, null, buffers);
        connector = new ServerConnector(server, factories);
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(120_000);
        server.addConnector(connector);
        server.setErrorHandler(new OciErrorHandler());
        server.setStopTimeout(stopTimeout.toMillis());
    }

    /** HTTP settings for the connection factories: no Server header, 16 KiB of request headers, a 64 KiB output buffer. */
    protected static HttpConfiguration httpConfiguration() {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setRequestHeaderSize(16 * 1024);
        http.setOutputBufferSize(64 * 1024);
        return http;
    }

    /** The Jetty server, for the subclass to set its handler and request log before {@link #start()}. */
    protected final Server server() {
        return server;
    }

    /** Starts serving; a subclass starts what the server needs first, and returns itself. */
    public OnePortServer start() throws Exception {
        server.start();
        return this;
    }

    /** The port actually bound (useful with port 0). */
    public final int port() {
        return connector.getLocalPort();
    }

    /**
     * Serves in the foreground until the JVM exits, as {@code registry-cache.jar node} and
     * {@code gateway} do: a shutdown hook (SIGTERM from the supervisor or systemd) closes it.
     * Returns the exit status.
     */
    public final int serveUntilExit() throws Exception {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                close();
                            } catch (Exception ignored) {
                                // exiting anyway
                            }
                        },
                        name + "-shutdown"));
        start();
        server.join();
        return 0;
    }

    /** Stops the server (requests in flight get the stop timeout), then {@link #closeAfterStop()}, even if stopping failed. */
    @Override
    public final void close() throws Exception {
        try {
            server.stop();
        } finally {
            closeAfterStop();
        }
    }

    /** Closes what the handlers used, once no request runs any more. */
    protected abstract void closeAfterStop() throws Exception;
}
