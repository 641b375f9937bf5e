package dev.registrycache.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;

/**
 * An HTTP/1.1 GET from a client on a link slower than the disk, as real clients are: a raw socket
 * with a small receive buffer whose body is read in bursts with stalls between them, so that the
 * server's writes wait on the client for seconds at a time, as they wait on a congested network.
 * For tests of what a server does to the transfers in flight when it stops: it must let them
 * finish. The connection stays open after the response (keep-alive), so that a test can also see
 * when the server closes it.
 */
public final class SlowClient implements AutoCloseable {
    /** How the body is read: {@code burst} bytes as they come, then nothing for {@code stall}. */
    public record Pace(int burst, Duration stall) {
        /**
         * About 2 MiB/s: bursts of 4 MiB, then 2 s in which the client reads nothing, longer than
         * Jetty's default shutdown idle timeout (1 s) and shorter than any idle timeout a server
         * should give a client.
         */
        public static final Pace STALLING = new Pace(4 << 20, Duration.ofSeconds(2));
        /** No stalls: for short answers. */
        public static final Pace FAST = new Pace(Integer.MAX_VALUE, Duration.ZERO);
    }

    private static final int RECEIVE_BUFFER = 64 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final Pace pace;
    private final int status;
    private final long length;
    private final MessageDigest body = Sha256.newDigest();
    private long received;
    private long sinceStall;

    private SlowClient(Socket socket, Pace pace) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), RECEIVE_BUFFER);
        this.pace = pace;
        String head = readHead();
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        this.status = Integer.parseInt(statusLine[1]);
        long contentLength = -1;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                contentLength = Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        if (contentLength < 0) {
            throw new IOException("expected a Content-Length in " + head);
        }
        this.length = contentLength;
    }

    /**
     * Sends {@code GET pathAndQuery} to 127.0.0.1:{@code port} with {@code headers} (name, value,
     * ...) and reads the response's head; the body is left to {@link #readUntil} and {@link #readToEnd}.
     */
    public static SlowClient get(int port, String pathAndQuery, Pace pace, String... headers) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setReceiveBufferSize(RECEIVE_BUFFER);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(60_000);
            StringBuilder request = new StringBuilder(
                    "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: slow-client\r\n");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new SlowClient(socket, pace);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended in the response head: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 64 * 1024) {
                throw new IOException("a response head of over 64 KiB");
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    public int status() {
        return status;
    }

    /** The body's Content-Length. */
    public long length() {
        return length;
    }

    /** How many bytes of the body came in so far. */
    public long received() {
        return received;
    }

    /** Reads the body, at the pace, until at least {@code bytes} of it came in. */
    public SlowClient readUntil(long bytes) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        while (received < Math.min(bytes, length)) {
            if (sinceStall >= pace.burst()) {
                sleep(pace.stall()); // the client's link, not a wait for the server
                sinceStall = 0;
            }
            int want = (int) Math.min(buffer.length, Math.min(length - received, pace.burst() - sinceStall));
            int n = in.read(buffer, 0, want);
            if (n < 0) {
                throw new IOException("the transfer was cut after " + received + " of " + length + " bytes");
            }
            body.update(buffer, 0, n);
            received += n;
            sinceStall += n;
        }
        return this;
    }

    /** Reads the rest of the body at the pace; returns its digest, {@code sha256:<hex>}; throws if it was cut. */
    public String readToEnd() throws IOException {
        readUntil(length);
        return Sha256.format(body.digest());
    }

    /**
     * Waits up to {@code deadline} for the server to close the connection (after the response, with
     * no further request on it); false if it is still open then.
     */
    public boolean closedByServerWithin(Duration deadline) throws IOException {
        socket.setSoTimeout((int) deadline.toMillis());
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset: closed as well
        }
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
