package dev.registrycache.supervisor;

import java.util.List;

/**
 * One component to run as its own JVM: its name in output lines ({@code node quay.io}), the JVM
 * options sized for its job, the subcommand and its arguments (never a credential), and the
 * local port that tells it is up (0: none).
 */
record ChildSpec(String name, List<String> jvmOptions, List<String> arguments, int readyPort) {

    /**
     * Every JVM maps the class-data archives at the address they were written for instead of a
     * random one (ArchiveRelocationMode=1, the default of JDK 17.0.15 and 25): relocating an
     * archive writes to every page of it, so each JVM held a private copy; mapped where written,
     * the read-only pages are one copy for every JVM that maps the same file (the JDK's base
     * archive for all, a kind's archive for its JVMs: both nodes). What it gives up is the random
     * placement of the archive (ASLR for that mapping); bench/README.md has the measurement.
     */
    static final List<String> SHARED_ARCHIVES =
            List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");

    /** JVM options per component: small heaps and the serial collector where they suffice. */
    static final List<String> COMMON = concat(
            concat(
                    List.of(
                            "-XX:+UseSerialGC",
                            "-Xss512k",
                            "-XX:+ExitOnOutOfMemoryError",
                            "-XX:ReservedCodeCacheSize=32m",
                            "-XX:MaxMetaspaceSize=64m"),
                    SHARED_ARCHIVES),
            nativeHeapTrim(Runtime.version()));

    /**
     * Gives the C heap's free memory (start-up's class loading, the JIT's arenas) back to the
     * system every few seconds where the JVM can (JDK 17.0.9+, 21.0.1+, 22+; children run on the
     * supervisor's JVM): measured here, an idle node at 82 MiB RSS instead of 90.
     */
    static List<String> nativeHeapTrim(Runtime.Version v) {
        boolean supported =
                v.feature() >= 22 || v.feature() == 21 && v.update() >= 1 || v.feature() == 17 && v.update() >= 9;
        return supported ? List.of("-XX:TrimNativeHeapInterval=3000") : List.of();
    }

    /** Nodes keep C2: SHA-256 runs on C2's intrinsics, an order of magnitude faster than with C1 alone. */
    static List<String> nodeOptions() {
        List<String> options = concat(COMMON, List.of("-Xms16m", "-Xmx128m", "-XX:MaxDirectMemorySize=64m"));
        if (isX86()) {
            // JDK-8346653: the SHA-256 intrinsic with AVX-512 enabled can stall for tens of seconds per GiB
            // (SSE/AVX transition penalty; bench/README.md, "One node")
            options = concat(options, List.of("-XX:UseAVX=2"));
        }
        return options;
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    /** The gateway keeps C2 as well: TLS (AES-GCM) runs on C2's intrinsics, far slower with C1 only. */
    static List<String> gatewayOptions() {
        return concat(COMMON, List.of("-Xms16m", "-Xmx160m", "-XX:MaxDirectMemorySize=96m"));
    }

    static List<String> smallOptions() {
        return concat(COMMON, List.of("-Xms8m", "-Xmx64m", "-XX:MaxDirectMemorySize=16m", "-XX:TieredStopAtLevel=1"));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
