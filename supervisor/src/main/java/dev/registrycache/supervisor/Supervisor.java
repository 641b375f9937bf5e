package dev.registrycache.supervisor;

import dev.registrycache.common.Metrics;
import dev.registrycache.common.Reasons;
import dev.registrycache.common.http.OnePortServer;
import dev.registrycache.common.logdir.LogDirLayout;
import dev.registrycache.common.oci.RegistryHost;
import dev.registrycache.common.settings.NodeToken;
import dev.registrycache.common.startup.SupervisorWatch;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What supervisord and the original's start script did: one node per registry, the gateway,
 * the logger and the cleaner, each its own JVM; restarts what dies; prints one line when the
 * cache is ready; on shutdown stops the gateway first (in-flight transfers get a grace period),
 * then the rest. On one host alone the logger and the cleaner run as a process per pass
 * ({@link LoggerPasses}, {@link CleanerPasses}), so that only the JVMs that serve stay in memory
 * while no one pulls; with PEERS they stay resident, as the cleaner that holds the replicas' lease
 * keeps it between passes.
 */
final class Supervisor {
    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    /**
     * How long the gateway, then each node, gets to stop before it is killed: the grace its
     * server gives the transfers in flight, and then its exit (closing what it used, writing its
     * class-data archive).
     */
    static final Duration SERVER_GRACE = OnePortServer.STOP_GRACE.plusSeconds(5);
    /** How long the logger and the cleaner get to stop. */
    static final Duration CHILD_GRACE = Duration.ofSeconds(10);

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final SupervisorConfig config;
    private final PrintStream out;
    private final List<ChildProcess> nodes = new ArrayList<>();
    private final List<ChildProcess> others = new ArrayList<>();
    private ChildProcess gateway;
    private ClassDataSharing cds;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private final Metrics metrics = new Metrics();
    private final Metrics.Counter restarts = SupervisorMetrics.in(metrics).restarts();

    Supervisor(SupervisorConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    /**
     * Starts every child. Holds the monitor while it does, so that a stop requested meanwhile (a
     * signal at start) waits for the children it would otherwise miss, and no child starts after it.
     */
    synchronized void start() throws IOException {
        if (stopping.get()) {
            return;
        }
        long t0 = System.nanoTime();
        List<String> java = javaCommand();
        cds = ClassDataSharing.forClassPath(java.get(2), config.dataDir().resolve(ClassDataSharing.FOLDER));
        Map<String, String> env = new HashMap<>(config.env());
        env.put(SupervisorWatch.ENV, Long.toString(ProcessHandle.current().pid()));
        env.put(NodeToken.ENV, NodeToken.random().value()); // the nodes' ports answer the gateway only
        env.putIfAbsent("MALLOC_ARENA_MAX", "2");
        List<String> gatewayArgs = new ArrayList<>(List.of(
                "gateway",
                "--port",
                Integer.toString(config.port()),
                "--host",
                config.host().listenHost(),
                "--certs",
                config.certs().toString(),
                "--data-dir",
                config.dataDir().toString(),
                "--log-dir",
                config.logDir().toString()));
        for (RegistryHost registry : config.registries()) {
            int port = freePort();
            List<String> args = List.of(
                    "node",
                    "--upstream",
                    registry.name(),
                    "--port",
                    Integer.toString(port),
                    "--host",
                    "127.0.0.1",
                    "--pull-secret",
                    config.pullSecret().toString(),
                    "--data-dir",
                    config.dataDir().toString(),
                    "--log-dir",
                    config.logDir().toString());
            nodes.add(child(
                    new ChildSpec("node " + registry.name(), ChildSpec.nodeOptions(), args, port), java, env, null));
            gatewayArgs.add("--node");
            gatewayArgs.add(registry.name() + "=http://127.0.0.1:" + port);
        }
        gateway = child(
                new ChildSpec("gateway", ChildSpec.gatewayOptions(), gatewayArgs, config.port()), java, env, null);
        addLoggerAndCleaner(java, env);
        warnIfOpen();
        writeMetrics();
        nodes.forEach(ChildProcess::start);
        gateway.start();
        // the logger and the cleaner are not needed to serve: they start once the cache is ready,
        // so that they do not compete for the CPU with the JVMs that are starting to serve; so do
        // the nodes' and the gateway's warm-ups
        awaitReady(t0, () -> {
            nodes.forEach(ChildProcess::stackReady);
            gateway.stackReady();
            others.forEach(ChildProcess::start);
        });
    }

    /**
     * The logger and the cleaner: on one host alone a process per pass each, on their schedules;
     * with PEERS resident, as the replicas' cleaner that holds the lease keeps it between passes.
     */
    private void addLoggerAndCleaner(List<String> java, Map<String, String> env) {
        List<String> loggerArgs = new ArrayList<>(List.of(
                "logger",
                "--log-dir",
                config.logDir().toString(),
                "--data-dir",
                config.dataDir().toString()));
        List<String> cleanerArgs = new ArrayList<>(List.of(
                "cleaner",
                "--data-dir",
                config.dataDir().toString(),
                "--log-dir",
                config.logDir().toString()));
        if (config.scaledOut()) {
            // replicas share the datastore: the cleaner that holds the lease keeps it between its passes,
            // renewing it, so it stays in memory, and so does the logger whose access times it reads
            others.add(child(new ChildSpec("logger", ChildSpec.smallOptions(), loggerArgs, 0), java, env, null));
            others.add(child(new ChildSpec("cleaner", ChildSpec.smallOptions(), cleanerArgs, 0), java, env, null));
        } else {
            LoggerPasses loggerPasses = new LoggerPasses(config.logDir(), System::nanoTime);
            loggerArgs.add("--once");
            others.add(
                    child(new ChildSpec("logger", ChildSpec.smallOptions(), loggerArgs, 0), java, env, loggerPasses));
            if (config.cleaner().runEvery() != null) {
                cleanerArgs.add("--scheduled");
                others.add(child(
                        new ChildSpec("cleaner", ChildSpec.smallOptions(), cleanerArgs, 0),
                        java,
                        env,
                        new CleanerPasses(config.cleaner(), loggerPasses::catchUp, System::nanoTime)));
            }
        }
    }

    /** One line when anyone who reaches this machine may pull through the cache, on its disk and its credentials. */
    private void warnIfOpen() {
        if (!config.host().isLoopback() && !config.authenticated()) {
            LOG.warn(
                    "serving the network on {} port {} without authentication: anyone who reaches this machine "
                            + "can pull through the cache, on its disk and its registries' credentials and rate "
                            + "limits; set REGISTRY_AUTH=htpasswd, or BIND_ADDRESS=127.0.0.1 for this machine alone",
                    config.host(),
                    config.port());
        }
    }

    /**
     * A child run on {@code turns}, or, when null, a service restarted whenever it exits (counted
     * in registry_cache_child_restarts_total).
     */
    private ChildProcess child(ChildSpec spec, List<String> java, Map<String, String> env, Turns turns) {
        String kind = spec.name().split(" ")[0]; // "node quay.io": the archives are per kind of component
        ClassDataSharing archives = cds;
        // the child's current run: one at a time, from the command's making to its exit
        AtomicReference<ClassDataSharing.Run> run = new AtomicReference<>();
        Supplier<List<String>> command = () -> {
            List<String> c = new ArrayList<>(java.subList(0, 1));
            c.addAll(spec.jvmOptions());
            if (archives != null) {
                run.set(archives.run(kind));
                c.addAll(run.get().options());
            }
            c.addAll(java.subList(1, java.size()));
            c.addAll(spec.arguments());
            return c;
        };
        restarts.labels(spec.name()).add(0);
        Turns restartsOnExit = new Restarts(spec.name(), () -> {
            restarts.labels(spec.name()).add(1);
            writeMetrics();
        });
        return new ChildProcess(spec, command, env, out, turns != null ? turns : restartsOnExit, exit -> {
            ClassDataSharing.Run ended = run.getAndSet(null);
            if (ended != null) {
                archives.exited(ended, exit);
            }
        });
    }

    private void writeMetrics() {
        Path file = new LogDirLayout(config.logDir()).supervisorMetrics();
        try {
            metrics.writeTo(file);
        } catch (IOException e) {
            LOG.warn("cannot write {}: {}", file, Reasons.of(e));
        }
    }

    private void awaitReady(long t0, Runnable then) {
        Thread t = new Thread(
                () -> {
                    List<ChildProcess> all = new ArrayList<>(nodes);
                    all.add(gateway);
                    for (ChildProcess c : all) {
                        InetAddress address = c == gateway ? config.host().probeAddress() : LOOPBACK;
                        while (c.spec().readyPort() > 0
                                && !listening(address, c.spec().readyPort())) {
                            if (stopped.getCount() == 0) {
                                return;
                            }
                            sleep(50);
                        }
                    }
                    String scheme = config.tls() ? "https" : "http";
                    String registries = String.join(
                            ", ",
                            config.registries().stream().map(RegistryHost::name).toList());
                    out.println("registry-cache ready in " + (System.nanoTime() - t0) / 1_000_000 + " ms at " + scheme
                            + "://" + urlHost() + ":" + config.port() + "/ serving " + registries);
                    PullHints.of(config, urlHost() + ":" + config.port()).forEach(out::println);
                    if (stopped.getCount() > 0) {
                        then.run();
                    }
                },
                "ready-check");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Stops the gateway first, so that in-flight transfers finish through running nodes, then the
     * rest. A second call (a second signal) waits for the stop in progress instead of returning
     * while children still run.
     */
    void stop() {
        if (!stopping.compareAndSet(false, true)) {
            awaitStopped();
            return;
        }
        stopped.countDown();
        ChildProcess started;
        synchronized (this) { // waits for a start() in progress: then every child to stop is known
            started = gateway;
        }
        if (started == null) {
            done.countDown();
            return;
        }
        children().forEach(ChildProcess::noMoreRestarts);
        LOG.info("stopping: the gateway takes no new requests and lets transfers in flight finish");
        started.stop(SERVER_GRACE);
        List<Thread> stops = new ArrayList<>();
        for (ChildProcess c : nodes) {
            stops.add(stopInBackground(c, SERVER_GRACE));
        }
        for (ChildProcess c : others) {
            stops.add(stopInBackground(c, CHILD_GRACE));
        }
        for (Thread t : stops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("every component stopped");
        done.countDown();
    }

    private static Thread stopInBackground(ChildProcess child, Duration grace) {
        Thread t = new Thread(() -> child.stop(grace), "stop-" + child.name());
        t.start();
        return t;
    }

    private void awaitStopped() {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    List<ChildProcess> children() {
        List<ChildProcess> all = new ArrayList<>(nodes);
        all.add(gateway);
        all.addAll(others);
        return all;
    }

    /** {@code java -cp <this artifact> <main>}: the children run from the same code as the supervisor. */
    static List<String> javaCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-cp", classPath(), RegistryCacheMain.class.getName());
    }

    private static String classPath() {
        try {
            URL location = RegistryCacheMain.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation();
            Path p = Path.of(location.toURI());
            if (p.toString().endsWith(".jar")) {
                return p.toString();
            }
        } catch (URISyntaxException | RuntimeException ignored) {
            // fall through: running from classes (mvn exec:java)
        }
        if (Thread.currentThread().getContextClassLoader() instanceof URLClassLoader loader) {
            List<String> entries = new ArrayList<>();
            for (URL url : loader.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | RuntimeException ignored) {
                    // not a file
                }
            }
            return String.join(java.io.File.pathSeparator, entries);
        }
        return System.getProperty("java.class.path");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static boolean listening(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The host of the ready line's URL: the bound address, or this machine's name when serving every interface. */
    private String urlHost() {
        if (config.host().isLoopback()) {
            return "localhost";
        }
        if (!config.host().isAll()) {
            return config.host().urlHost();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
