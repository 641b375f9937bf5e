package dev.registrycache.common.startup;

import dev.registrycache.common.Reasons;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Lets a component started by the supervisor die with it, and stop only when the supervisor says.
 * The supervisor passes its pid in {@value #ENV} and keeps the write end of this process's stdin,
 * on which it writes only one line, once the cache is ready ({@link #whenStackReady}):
 * when the supervisor is gone, even killed with {@code kill -9}, stdin ends at once and this process
 * exits (its pid is also polled, for a stdin that was redirected). Terminal signals sent to the
 * whole process group (Ctrl-C's SIGINT, SIGHUP when the terminal closes) are ignored here: the
 * supervisor receives them too and stops its children in order, the gateway first, so that
 * transfers in flight finish through running nodes.
 * An orphan halts rather than exits: the shutdown hooks would stop it gracefully, the servers'
 * taking up to their whole grace while the next supervisor cannot bind their ports. What must not
 * be left behind is given up first, by the component's {@link #beforeHalt last rites} (the
 * cleaner's lease, which would otherwise keep the next start's cleaner waiting), for at most
 * {@link #LAST_RITES_LIMIT}, so that a hung disk cannot keep an orphan alive.
 */
public final class SupervisorWatch {
    public static final String ENV = "RC_SUPERVISOR_PID";

    /** How long the last rites may take before the orphan halts anyway. */
    static final Duration LAST_RITES_LIMIT = Duration.ofSeconds(5);

    /** What the supervisor writes on a child's stdin once the whole cache is ready (one line). */
    public static final int STACK_READY = '\n';

    private static final List<Runnable> LAST_RITES = new CopyOnWriteArrayList<>();
    private static final List<Runnable> WHEN_READY = new ArrayList<>();
    private static boolean supervised;
    private static boolean stackReady;
    private static final AtomicBoolean GONE = new AtomicBoolean();

    private SupervisorWatch() {}

    /**
     * Runs {@code rites} if the supervisor dies, before this process halts (with the others, on
     * one thread, within {@link #LAST_RITES_LIMIT}): for what must not outlive the process, and
     * what a graceful stop would also do. Never runs when the process is not supervised.
     */
    public static void beforeHalt(Runnable rites) {
        LAST_RITES.add(rites);
    }

    /**
     * Runs {@code then} once the whole cache is ready: when the supervisor says so (it writes
     * {@link #STACK_READY} on this process's stdin, at once for a child restarted later), or at
     * once when this process runs without one. For work that must not slow the start of the
     * other components, such as the warm-up.
     */
    public static void whenStackReady(Runnable then) {
        synchronized (WHEN_READY) {
            if (supervised && !stackReady) {
                WHEN_READY.add(then);
                return;
            }
        }
        then.run();
    }

    private static void stackReady() {
        List<Runnable> waiting;
        synchronized (WHEN_READY) {
            if (stackReady) {
                return;
            }
            stackReady = true;
            waiting = List.copyOf(WHEN_READY);
            WHEN_READY.clear();
        }
        waiting.forEach(Runnable::run);
    }

    /** Starts watching if this process was started by a supervisor; does nothing otherwise. */
    public static void startIfSupervised() {
        String pid = System.getenv(ENV);
        if (pid == null || pid.isBlank()) {
            return;
        }
        Optional<ProcessHandle> supervisor;
        try {
            supervisor = ProcessHandle.of(Long.parseLong(pid.trim()));
        } catch (NumberFormatException e) {
            return;
        }
        synchronized (WHEN_READY) {
            supervised = true;
        }
        Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
        Signal.handle(new Signal("HUP"), SignalHandler.SIG_IGN);
        Thread stdin = new Thread(
                () -> {
                    try {
                        InputStream in = System.in;
                        for (int b; (b = in.read()) >= 0; ) {
                            if (b == STACK_READY) {
                                stackReady();
                            }
                        }
                        // the read returns -1 when the supervisor is gone
                    } catch (IOException e) {
                        // same: the pipe broke
                    }
                    supervisorGone(pid);
                },
                "supervisor-stdin-watch");
        stdin.setDaemon(true);
        stdin.start();
        Thread t = new Thread(
                () -> {
                    while (supervisor.map(ProcessHandle::isAlive).orElse(false)) {
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    supervisorGone(pid);
                },
                "supervisor-watch");
        t.setDaemon(true);
        t.start();
    }

    /** Runs the last rites (once, whichever watch saw it first), then halts. */
    private static void supervisorGone(String pid) {
        if (!GONE.compareAndSet(false, true)) {
            return; // the other watch is at it
        }
        System.err.println("supervisor " + pid + " is gone; exiting");
        Thread rites = new Thread(
                () -> {
                    for (Runnable r : LAST_RITES) {
                        try {
                            r.run();
                        } catch (RuntimeException e) {
                            System.err.println("before exiting: " + Reasons.of(e));
                        }
                    }
                },
                "last-rites");
        rites.setDaemon(true);
        rites.start();
        try {
            rites.join(LAST_RITES_LIMIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(1);
    }
}
