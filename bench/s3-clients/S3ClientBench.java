import com.sun.management.OperatingSystemMXBean;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * One candidate S3 client in one JVM (bench/run-s3-client-bench.sh starts one per candidate and
 * round): a warm-up workload of every request the driver makes (checked, so a candidate that gets
 * one wrong fails), its heap and RSS after it, then a streamed multipart upload of a big file and a
 * GET of it, each with wall time and CPU seconds of this JVM and of s3proxy. Prints "metric value"
 * lines.
 *
 * <p>Arguments (name=value): candidate (aws, minio, jetty), endpoint, bucket, region, access, secret,
 * ca (a PEM file, or none for plain HTTP), file (the big file), part (part size, bytes), warm (rounds
 * of the workload), server (s3proxy's pid), key (the big object's key).
 */
public final class S3ClientBench {
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            a.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        Optional<Trust> trust = a.get("ca").equals("none") ? Optional.empty() : Optional.of(new Trust(Path.of(a.get("ca"))));
        Target target = new Target(URI.create(a.get("endpoint")), a.get("bucket"), a.get("region"), a.get("access"),
                a.get("secret"), trust);
        long server = Long.parseLong(a.get("server"));
        long started = System.nanoTime();
        try (Candidate candidate = open(a.get("candidate"), target)) {
            print("start_ms", (System.nanoTime() - started) / 1e6);
            Workload.run(candidate, Integer.parseInt(a.get("warm")));
            System.gc();
            System.gc();
            Runtime runtime = Runtime.getRuntime();
            print("heap_MiB", (runtime.totalMemory() - runtime.freeMemory()) / 1048576.0);
            print("rss_warm_MiB", status("VmRSS") / 1024.0);
            print("classes", ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
            print("threads", ManagementFactory.getThreadMXBean().getThreadCount());

            Path file = Path.of(a.get("file"));
            long size = Files.size(file);
            String key = a.get("key");
            Meter up = new Meter(server);
            try (InputStream in = Files.newInputStream(file)) {
                candidate.upload(key, in, size, Integer.parseInt(a.get("part")));
            }
            up.stop("put", size);
            if (candidate.size(key) != size) {
                throw new IOException("the uploaded object has " + candidate.size(key) + " bytes, not " + size);
            }
            Meter down = new Meter(server);
            long read = candidate.download(key);
            down.stop("get", size);
            if (read != size) {
                throw new IOException("the GET gave " + read + " bytes, not " + size);
            }
            print("rss_after_MiB", status("VmRSS") / 1024.0);
            print("rss_peak_MiB", status("VmHWM") / 1024.0);
        }
        System.exit(0); // some libraries keep non-daemon threads
    }

    private static Candidate open(String name, Target target) throws Exception {
        return switch (name) {
            case "aws" -> new AwsSdkCandidate(target);
            case "minio" -> new MinioCandidate(target);
            case "jetty" -> new JettyCandidate(target);
            default -> throw new IllegalArgumentException("no candidate " + name);
        };
    }

    static void print(String metric, double value) {
        System.out.printf("%s\t%.3f%n", metric, value);
    }

    /** A field of /proc/self/status in kB. */
    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no " + field + " in /proc/self/status");
    }

    /** CPU seconds (user + system) a process has used, from /proc/pid/stat. */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS;
    }

    /** Wall time, this JVM's CPU and s3proxy's CPU over one transfer. */
    private static final class Meter {
        private final long server;
        private final long wall = System.nanoTime();
        private final long cpu = jvmCpuNanos();
        private final double serverCpu;

        Meter(long server) throws IOException {
            this.server = server;
            this.serverCpu = cpuSeconds(server);
        }

        void stop(String what, long bytes) throws IOException {
            double seconds = (System.nanoTime() - wall) / 1e9;
            double gb = bytes / 1e9;
            print(what + "_s", seconds);
            print(what + "_MBps", bytes / 1e6 / seconds);
            print(what + "_cpu_s_per_GB", (jvmCpuNanos() - cpu) / 1e9 / gb);
            print(what + "_server_cpu_s_per_GB", (cpuSeconds(server) - serverCpu) / gb);
        }

        private static long jvmCpuNanos() {
            return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }
    }

    /** Every request the driver makes, checked; small objects, some multipart uploads, an abort. */
    static final class Workload {
        private Workload() {}

        static void run(Candidate c, int rounds) throws Exception {
            Random random = new Random(26);
            byte[] small = new byte[4096];
            byte[] part = new byte[5 << 20];
            random.nextBytes(part);
            for (int i = 0; i < rounds; i++) {
                random.nextBytes(small);
                String base = "warm/r" + i + "/docker/registry/v2/blobs/sha256/ab/abc" + i;
                check(c.putIfAbsent(base + "/data", small), "a first conditional PUT is stored");
                check(!c.putIfAbsent(base + "/data", small), "a second conditional PUT is refused");
                c.put(base + "/link", small);
                check(c.size(base + "/data") == small.length, "HEAD gives the size");
                check(c.size(base + "/missing") == -1, "HEAD of a missing object gives -1");
                check(Arrays.equals(c.read(base + "/data", 100, 1000), Arrays.copyOfRange(small, 100, 1100)),
                        "a Range GET gives those bytes");
                c.copy(base + "/data", base + "/copy");
                check(c.list("warm/r" + i + "/").equals(List.of(base + "/copy", base + "/data", base + "/link")),
                        "LIST gives the three keys");
                for (String key : c.list("warm/r" + i + "/")) {
                    c.delete(key);
                }
                if (i % 20 == 0) {
                    c.upload(base + "/multi", new ByteArrayInputStream(new byte[12 << 20]), 12 << 20, 5 << 20);
                    check(c.size(base + "/multi") == 12 << 20, "a multipart upload has its size");
                    c.delete(base + "/multi");
                    c.abortedUpload(base + "/aborted", part);
                    check(c.size(base + "/aborted") == -1, "an aborted upload leaves no object");
                }
            }
        }

        private static void check(boolean condition, String what) {
            if (!condition) {
                throw new IllegalStateException("wrong: " + what);
            }
        }
    }
}
