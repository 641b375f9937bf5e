package dev.registrycache.common.http;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.Graceful;

/**
 * Closes the connections with no request in flight when the server stops, and leaves the others
 * to finish. Jetty's graceful stop gives every connection a short idle timeout instead, so that
 * idle keep-alive connections go soon; but a client on a link slower than the disk leaves its
 * connection without progress for seconds at a time while it is served, and that cut it. So the
 * connectors keep a long idle timeout through the stop ({@link OnePortServer#addConnector}), and
 * this handler, which sees every request begin and end, closes the idle connections at once, and
 * each other one as its last request in flight ends.
 * A connection is known by its two socket addresses, as its requests and its connector both see
 * them whatever runs over it (TLS, HTTP/2).
 */
final class IdleConnectionCloser extends Handler.Wrapper implements Graceful {
    private record Sockets(SocketAddress local, SocketAddress remote) {}

    /** Requests in flight by connection (several on an HTTP/2 connection). */
    private final Map<Sockets, Integer> inFlight = new ConcurrentHashMap<>();

    private volatile boolean shutdown;

    IdleConnectionCloser(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        ConnectionMetaData connection = request.getConnectionMetaData();
        Sockets sockets = new Sockets(connection.getLocalSocketAddress(), connection.getRemoteSocketAddress());
        inFlight.merge(sockets, 1, Integer::sum);
        // when the response is sent whole, or failed: whether handled here or by Jetty's error handling
        Request.addCompletionListener(request, failure -> {
            if (inFlight.computeIfPresent(sockets, (s, n) -> n == 1 ? null : n - 1) == null && shutdown) {
                // its last response began before the stop, keep-alive: close it once Jetty is done with it
                try {
                    getServer().getThreadPool().execute(() -> closeIfIdle(connection.getConnector(), sockets));
                } catch (RejectedExecutionException e) {
                    // the server's threads are stopping: its connections close with them
                }
            }
        });
        return super.handle(request, response, callback);
    }

    @Override
    protected void doStart() throws Exception {
        shutdown = false;
        super.doStart();
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        shutdown = true; // before the look at what is in flight: a request ending meanwhile closes its own
        for (Connector connector : getServer().getConnectors()) {
            for (EndPoint endPoint : connector.getConnectedEndPoints()) {
                if (!inFlight.containsKey(sockets(endPoint))) {
                    endPoint.close();
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    private void closeIfIdle(Connector connector, Sockets connection) {
        for (EndPoint endPoint : connector.getConnectedEndPoints()) {
            if (sockets(endPoint).equals(connection) && !inFlight.containsKey(connection)) {
                endPoint.close();
            }
        }
    }

    private static Sockets sockets(EndPoint endPoint) {
        return new Sockets(endPoint.getLocalSocketAddress(), endPoint.getRemoteSocketAddress());
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }
}
