package dev.registrycache.common.http;

import dev.registrycache.common.settings.Setting;
import dev.registrycache.common.startup.SupervisorWatch;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A process that serves HTTP on one port, as the node and the gateway do: a Jetty server with
 * one connector, the settings both want (thread pool, idle timeout, OCI error bodies for Jetty's
 * own errors, {@link #httpConfiguration()}), and its lifecycle: start, the port bound, stop, and
 * serving in the foreground until the JVM exits.
 * A subclass passes its connection factories, sets its handler ({@link #setHandler}) and its
 * request log on {@link #server()}, and says what it starts before the server and closes after it.
 * A stop lets the transfers in flight finish, however slow their clients, for up to
 * {@link #STOP_GRACE}, on every connector: see {@link #addConnector}.
 */
public abstract class OnePortServer implements AutoCloseable {
    /**
     * A server built from its validated configuration, with the warm-up its environment asks for
     * ({@code WARMUP_SIZE}), as {@code registry-cache.jar node} and {@code gateway} run it.
     */
    public record Configured(OnePortServer server, long warmUpBytes) {
        /** {@code server} with {@code WARMUP_SIZE} from {@code env}; refuses a bad size. */
        public static Configured of(OnePortServer server, Map<String, String> env) {
            return new Configured(
                    server, Setting.WARMUP_SIZE.resolveSize(null, env).bytes());
        }

        /** {@link OnePortServer#serveUntilExit}. */
        public int serveUntilExit() throws Exception {
            return server.serveUntilExit(warmUpBytes);
        }
    }

    /** How long the transfers in flight get to finish when the server stops (the README's "up to 20 s"). */
    public static final Duration STOP_GRACE = Duration.ofSeconds(20);

    /**
     * How long a warm-up waits without requests before it begins: a client that probes the port
     * as soon as it listens (a ready check polling {@code GET /v2/}) gets its answers first.
     */
    public static final Duration WARM_UP_QUIET = Duration.ofSeconds(1);

    /** A client that neither sends nor takes a byte for this long is gone. */
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(2);

    private final String name;
    private final String host;
    private final Server server;
    private final ServerConnector connector;
    private volatile boolean repositoryRequestSeen;
    /** When the last request other than a probe's ({@code /healthz}, {@code /metrics}) began. */
    private volatile long lastRequestNanos = System.nanoTime();

    /**
     * @param name      the process ({@code node}, {@code gateway}): names the server's threads
     * @param buffers   the buffer pool, or null for Jetty's default one
     * @param port      the port to listen on; 0 picks a free one
     * @param factories the connector's connection factories
     */
    protected OnePortServer(
            String name, ByteBufferPool buffers, String host, int port, ConnectionFactory... factories) {
        this.name = name;
        this.host = host;
        QueuedThreadPool threads = new QueuedThreadPool(400, 8);
        threads.setName(name);
        server = new Server(threads, null, buffers);
        connector = addConnector(port, factories);
        server.setErrorHandler(new OciErrorHandler());
        server.setStopTimeout(STOP_GRACE.toMillis());
    }

    /**
     * A connector on {@code port} of the server's host, added to the server. During a stop its
     * connections keep an idle timeout of at least the whole grace: Jetty's default (1 s) cut the
     * transfers of clients on links slower than the disk, which stall for seconds while they are
     * served; idle connections are closed by {@link IdleConnectionCloser} instead.
     */
    protected final ServerConnector addConnector(int port, ConnectionFactory... factories) {
        ServerConnector added = new ServerConnector(server, factories);
        added.setHost(host);
        added.setPort(port);
        added.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        added.setShutdownIdleTimeout(STOP_GRACE.toMillis());
        server.addConnector(added);
        return added;
    }

    /**
     * Sets what the server answers with, behind the handler that closes idle connections when it
     * stops and the one that notes when requests come (a warm-up waits for a quiet second and
     * ends at the first request for a repository).
     */
    protected final void setHandler(Handler handler) {
        server.setHandler(new IdleConnectionCloser(new Handler.Wrapper(handler) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = request.getHttpURI().getPath();
                if (!MetricsHandler.isProbe(path)) {
                    lastRequestNanos = System.nanoTime();
                }
                if (!repositoryRequestSeen && path.startsWith("/v2/") && path.length() > "/v2/".length()) {
                    repositoryRequestSeen = true;
                }
                return super.handle(request, response, callback);
            }
        }));
    }

    /**
     * Starts the {@link WarmUp} of this started server, {@code bytes} of synthetic transfers at
     * most (none for 0), once no request has come for {@link #WARM_UP_QUIET}.
     */
    public final WarmUp.Progress warmUp(long bytes) {
        return warmUp(bytes, WARM_UP_QUIET);
    }

    /** {@link #warmUp(long)} once no request has come for {@code quiet}. */
    public final WarmUp.Progress warmUp(long bytes, Duration quiet) {
        if (bytes <= 0) {
            WarmUp.Progress none = new WarmUp.Progress();
            none.ended().complete(0L);
            return none;
        }
        return WarmUp.start(
                name,
                bytes,
                () -> System.nanoTime() - lastRequestNanos >= quiet.toNanos(),
                () -> repositoryRequestSeen || !server.isRunning(),
                this::warmUpRig);
    }

    /**
     * The throwaway copy of this server through which {@link WarmUp} sends synthetic transfers
     * after the start, or null (the default) for none.
     */
    protected WarmUp.Rig warmUpRig() throws Exception {
        return null;
    }

    /** HTTP settings for the connection factories: no Server header, 16 KiB of request headers, a 64 KiB output buffer. */
    protected static HttpConfiguration httpConfiguration() {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setRequestHeaderSize(16 * 1024);
        http.setOutputBufferSize(64 * 1024);
        return http;
    }

    /** The Jetty server, for the subclass to set its request log before {@link #start()}. */
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
    public final int serveUntilExit(long warmUpBytes) throws Exception {
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
        // once the whole cache is ready: the warm-up must not slow the other components' start
        SupervisorWatch.whenStackReady(() -> warmUp(warmUpBytes));
        server.join();
        return 0;
    }

    /** Stops the server (requests in flight get {@link #STOP_GRACE}), then {@link #closeAfterStop()}, even if stopping failed. */
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
