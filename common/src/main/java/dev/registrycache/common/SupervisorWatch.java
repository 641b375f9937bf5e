package dev.registrycache.common;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Lets a component started by the supervisor die with it, and stop only when the supervisor says.
 * The supervisor passes its pid in {@value #ENV} and keeps the write end of this process's stdin:
 * when the supervisor is gone, even killed with {@code kill -9}, stdin ends at once and this process
 * exits (its pid is also polled, for a stdin that was redirected). Terminal signals sent to the
 * whole process group (Ctrl-C's SIGINT, SIGHUP when the terminal closes) are ignored here: the
 * supervisor receives them too and stops its children in order, the gateway first, so that
 * transfers in flight finish through running nodes.
 */
public final class SupervisorWatch {
    public static final String ENV = "RC_SUPERVISOR_PID";

    private SupervisorWatch() {}

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
        Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
        Signal.handle(new Signal("HUP"), SignalHandler.SIG_IGN);
        Thread stdin = new Thread(
                () -> {
                    try {
                        InputStream in = System.in;
                        while (in.read() >= 0) {
                            // the supervisor never writes; the read returns -1 when it is gone
                        }
                    } catch (IOException e) {
                        // same: the pipe broke
                    }
                    System.err.println("supervisor " + pid + " is gone; exiting");
                    Runtime.getRuntime().halt(1);
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
                    System.err.println("supervisor " + pid + " is gone; exiting");
                    Runtime.getRuntime().halt(1);
                },
                "supervisor-watch");
        t.setDaemon(true);
        t.start();
    }
}
