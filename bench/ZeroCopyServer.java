import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A reference for bench/run-warm-bench.sh, not part of the product: the least a Java server can do
 * to send one file over HTTP/1.1, in one of three ways, so that the node's way (Jetty writing
 * memory mappings of the blob) can be compared with the bare copies in the same run:
 *
 * <pre>
 *   transfer  FileChannel.transferTo to the socket: sendfile(2) in the kernel, no copy in user space
 *   mmap      write(2) of 4 MiB memory mappings of the file: one copy, by the kernel, from the page cache
 *   read      read(2) into a 256 KiB direct buffer, then write(2): two copies
 * </pre>
 *
 * Every request (any path) gets the whole file; one thread per connection; keep-alive.
 * Run with the JDK's source launcher: {@code java bench/ZeroCopyServer.java PORT FILE MODE}.
 */
public final class ZeroCopyServer {
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        Path file = Path.of(args[1]);
        String mode = args[2];
        if (!mode.equals("transfer") && !mode.equals("mmap") && !mode.equals("read")) {
            throw new IllegalArgumentException("mode: transfer, mmap or read");
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", port), 64);
            System.out.println("listening on 127.0.0.1:" + port + " (" + mode + ")");
            while (true) {
                SocketChannel client = server.accept();
                new Thread(() -> serve(client, file, mode)).start();
            }
        }
    }

    private static void serve(SocketChannel client, Path file, String mode) {
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        ByteBuffer copy = mode.equals("read") ? ByteBuffer.allocateDirect(256 * 1024) : null;
        try (client;
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (readRequest(client, in)) {
                long size = channel.size();
                String head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                        + size + "\r\n\r\n";
                writeFully(client, ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
                long position = 0;
                while (position < size) {
                    switch (mode) {
                        case "transfer" -> position += channel.transferTo(position, size - position, client);
                        case "mmap" -> {
                            long n = Math.min(4L << 20, size - position);
                            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, position, n);
                            writeFully(client, map);
                            position += n;
                        }
                        default -> {
                            copy.clear();
                            int n = channel.read(copy, position);
                            if (n < 0) {
                                throw new IOException("file shrank");
                            }
                            copy.flip();
                            writeFully(client, copy);
                            position += n;
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Reads up to the end of one request's head; false at the end of the connection. */
    private static boolean readRequest(SocketChannel client, ByteBuffer in) throws IOException {
        in.clear();
        while (true) {
            if (client.read(in) < 0) {
                return false;
            }
            String seen = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
            if (seen.contains("\r\n\r\n")) {
                return true;
            }
            if (!in.hasRemaining()) {
                throw new IOException("request head too large");
            }
        }
    }

    private static void writeFully(SocketChannel client, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            client.write(buffer);
        }
    }
}
