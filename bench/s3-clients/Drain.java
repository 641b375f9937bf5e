import java.io.IOException;
import java.io.InputStream;

/** Reads a body to its end and drops it, as the bench's stand-in for a client being served. */
final class Drain {
    private Drain() {}

    static long stream(InputStream in) throws IOException {
        byte[] buffer = new byte[64 << 10];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
        }
        return total;
    }
}
