package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on 127.0.0.1 in front of a real peer (an upstream registry), which a test switches
 * between forwarding and misbehaving: {@link Mode#HANG} accepts connections and reads what is
 * sent but never answers, as an upstream behind a broken link or a stuck load balancer does;
 * {@link Mode#UNAVAILABLE} answers each connection's first request {@code 503 Service Unavailable}
 * with an S3 error body and closes it, as an overloaded object store does. Counts the connections
 * it accepted, so a test can tell whether the cache asked at all. {@link #holdAnswersAfter} makes
 * it pass only the first bytes of each connection's answers and hold the rest, as a peer does
 * whose link stalls in the middle of a body.
 */
public final class TcpRelay implements AutoCloseable {
    /** What the relay does with a new connection. */
    public enum Mode {
        FORWARD,
        HANG,
        UNAVAILABLE
    }

    private static final String UNAVAILABLE_BODY =
            "<Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>";
    private static final byte[] UNAVAILABLE_ANSWER =
            ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n" + "Content-Length: "
                            + UNAVAILABLE_BODY.length() + "\r\nConnection: close\r\n\r\n" + UNAVAILABLE_BODY)
                    .getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger connected = new AtomicInteger();
    private volatile Mode mode = Mode.FORWARD;
    private volatile long answerLimit = Long.MAX_VALUE;
    private volatile CountDownLatch held = new CountDownLatch(1);
    /** Connections still to answer as {@link Mode#UNAVAILABLE} does before the mode applies again. */
    private final AtomicInteger unavailableFor = new AtomicInteger();

    private final AtomicInteger unavailableAnswers = new AtomicInteger();

    private TcpRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-relay-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A relay to {@code 127.0.0.1:port}. */
    public static TcpRelay to(int port) throws IOException {
        return new TcpRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    public int port() {
        return server.getLocalPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** Connections forwarded whose client has not closed them (nor the relay). */
    public int openConnections() {
        return connected.get();
    }

    /** Switches how connections are treated; those open are closed, so that clients connect anew. */
    public void mode(Mode mode) {
        this.mode = mode;
        this.answerLimit = Long.MAX_VALUE;
        closeOpen();
    }

    /**
     * Forwards, but of each new connection only the first {@code bytes} that the target answers
     * (headers included); the rest is held, the connection left open, until the next switch
     * ({@link #mode}, which closes it). Those open are closed, so that clients connect anew.
     */
    public void holdAnswersAfter(long bytes) {
        this.mode = Mode.FORWARD;
        this.answerLimit = bytes;
        closeOpen();
    }

    /**
     * Answers the next {@code connections} new connections {@code 503}, as {@link
     * Mode#UNAVAILABLE} does, then treats them by the mode again: a store failing for a moment.
     * Those open are closed, so that the next request connects anew.
     */
    public void unavailableFor(int connections) {
        unavailableFor.set(connections);
        closeOpen();
    }

    /** The 503 answers sent so far. */
    public int unavailableAnswers() {
        return unavailableAnswers.get();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                accepted.incrementAndGet();
                open.add(client);
                if (mode == Mode.HANG) {
                    daemon(() -> drain(client), "tcp-relay-hang");
                } else if (mode == Mode.UNAVAILABLE || unavailableFor.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    daemon(() -> drain(client), "tcp-relay-unavailable");
                    unavailableAnswers.incrementAndGet();
                    client.getOutputStream().write(UNAVAILABLE_ANSWER);
                    client.shutdownOutput();
                } else {
                    Socket upstream = new Socket();
                    upstream.connect(target, 10_000);
                    open.add(upstream);
                    long limit = answerLimit;
                    CountDownLatch release = held;
                    connected.incrementAndGet();
                    daemon(
                            () -> {
                                pipe(client, upstream, Long.MAX_VALUE, release);
                                connected.decrementAndGet();
                            },
                            "tcp-relay-up");
                    daemon(() -> pipe(upstream, client, limit, release), "tcp-relay-down");
                }
            } catch (IOException e) {
                // closed, or the target refused: the client's connection ends
            }
        }
    }

    private static void daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private static void drain(Socket socket) {
        byte[] buffer = new byte[8192];
        try (InputStream in = socket.getInputStream()) {
            while (in.read(buffer) >= 0) {
                // read and never answer
            }
        } catch (IOException e) {
            // closed
        }
    }

    /** Copies until the end, or {@code limit} bytes, then waits for {@code release} (the sockets closed). */
    private void pipe(Socket from, Socket to, long limit, CountDownLatch release) {
        byte[] buffer = new byte[64 * 1024];
        long left = limit;
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
                left -= n;
            }
            if (left == 0) {
                release.await();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeOpen() {
        CountDownLatch release = held;
        held = new CountDownLatch(1);
        release.countDown();
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        closeOpen();
    }
}
