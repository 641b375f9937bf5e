package dev.registrycache.common;

import java.util.Optional;

/**
 * Lets a component started by the supervisor die with it. The supervisor passes its pid in
 * {@value #ENV}; a daemon thread exits this process within about a second of the supervisor
 * disappearing, even when the supervisor was killed with {@code kill -9} and could not stop its
 * children itself.
 */
public final class SupervisorWatch {
    public static final String ENV = "RC_SUPERVISOR_PID";

    private SupervisorWatch() {
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
        Thread t = new Thread(() -> {
            while (supervisor.map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.err.println("supervisor " + pid + " is gone; exiting");
            Runtime.getRuntime().halt(1);
        }, "supervisor-watch");
        t.setDaemon(true);
        t.start();
    }
}
