package dev.registrycache.supervisor;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteResultHandler;
import org.apache.commons.exec.ExecuteWatchdog;
import org.apache.commons.exec.LogOutputStream;
import org.apache.commons.exec.PumpStreamHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One supervised component: started with Apache commons-exec, its stdout and stderr copied line
 * by line to ours with its name in front, started again with capped exponential back-off when
 * it exits, and stopped with SIGTERM (then SIGKILL after a grace period) on shutdown.
 */
final class ChildProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ChildProcess.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A child that ran this long before exiting counts as healthy: its back-off starts over. */
    static final Duration STABLE = Duration.ofSeconds(30);
    /** After this many failures in a row the supervisor says so loudly. */
    static final int LOUD_AFTER = 5;

    private final ChildSpec spec;
    private final List<String> command;
    private final Map<String, String> env;
    private final PrintStream out;
    private final Object lock = new Object();
    private volatile boolean stopping;
    /** Set when the whole cache is stopping: a child that exits now is not started again. */
    private volatile boolean finishing;

    private volatile Process process;
    private CountDownLatch exited = new CountDownLatch(0);
    private int failuresInARow;
    private int restarts;
    private Thread loop;

    private final Runnable onRestart;
    private final IntConsumer afterExit;

    /**
     * {@code afterExit}: called with the exit code each time the child has exited (before a
     * restart, and before {@link #stop} returns).
     */
    ChildProcess(
            ChildSpec spec,
            List<String> command,
            Map<String, String> env,
            PrintStream out,
            Runnable onRestart,
            IntConsumer afterExit) {
        this.onRestart = onRestart;
        this.afterExit = afterExit;
        this.spec = spec;
        this.command = command;
        this.env = env;
        this.out = out;
    }

    String name() {
        return spec.name();
    }

    ChildSpec spec() {
        return spec;
    }

    int restarts() {
        return restarts;
    }

    /** Starts the child and keeps it running until {@link #stop}. */
    void start() {
        loop = new Thread(this::superviseLoop, "supervise-" + spec.name().replace(' ', '-'));
        loop.setDaemon(true);
        loop.start();
    }

    private void superviseLoop() {
        Duration backoff = FIRST_BACKOFF;
        while (!stopping) {
            long started = System.nanoTime();
            int exit = runOnce();
            if (stopping || finishing) {
                return;
            }
            Duration ran = Duration.ofNanos(System.nanoTime() - started);
            if (ran.compareTo(STABLE) >= 0) {
                backoff = FIRST_BACKOFF;
                failuresInARow = 0;
            }
            failuresInARow++;
            restarts++;
            onRestart.run();
            if (failuresInARow >= LOUD_AFTER) {
                LOG.error(
                        "{} keeps failing: {} exits in a row, the last with code {}; starting it again in {} ms "
                                + "(the other components keep serving)",
                        spec.name(),
                        failuresInARow,
                        exit,
                        backoff.toMillis());
            } else {
                LOG.warn(
                        "{} exited with code {} after {} ms; starting it again in {} ms",
                        spec.name(),
                        exit,
                        ran.toMillis(),
                        backoff.toMillis());
            }
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** Runs the child until it exits; returns its exit code. */
    private int runOnce() {
        CommandLine cmd = new CommandLine(command.get(0));
        for (String arg : command.subList(1, command.size())) {
            cmd.addArgument(arg, false);
        }
        Prefixer lines = new Prefixer("[" + spec.name() + "] ", out);
        CapturingWatchdog watchdog = new CapturingWatchdog();
        DefaultExecutor executor = DefaultExecutor.builder()
                .setExecuteStreamHandler(new KeepStdinOpen(lines))
                .get();
        executor.setWatchdog(watchdog);
        executor.setExitValues(null);
        int[] exit = {-1};
        CountDownLatch done = new CountDownLatch(1);
        synchronized (lock) {
            if (stopping) {
                return 0;
            }
            exited = done;
            try {
                executor.execute(cmd, env, new ExecuteResultHandler() {
                    @Override
                    public void onProcessComplete(int exitValue) {
                        exit[0] = exitValue;
                        exited(exitValue);
                    }

                    @Override
                    public void onProcessFailed(ExecuteException e) {
                        exit[0] = e.getExitValue();
                        exited(e.getExitValue());
                    }

                    private void exited(int code) {
                        try {
                            afterExit.accept(code); // the process is gone
                        } finally {
                            done.countDown();
                        }
                    }
                });
            } catch (IOException e) {
                LOG.error("cannot start {}: {}", spec.name(), e.toString());
                done.countDown();
                return -1;
            }
        }
        process = watchdog.awaitProcess();
        if (stopping && process != null) {
            process.toHandle().destroy(); // stop() ran while this child was starting
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lines.flush();
        return exit[0];
    }

    /** From now on an exit of this child is final: the cache is stopping. */
    void noMoreRestarts() {
        finishing = true;
    }

    /** Asks the child to stop (SIGTERM); after {@code grace}, kills it. Returns when it is gone. */
    void stop(Duration grace) {
        CountDownLatch done;
        Process p;
        synchronized (lock) {
            stopping = true;
            done = exited;
            p = process;
        }
        if (loop != null) {
            loop.interrupt();
        }
        if (p == null) {
            return;
        }
        // signals through the ProcessHandle: Process.destroy() would also close the pipes, so the
        // child's last lines would be lost and its stdin would end, which SupervisorWatch takes
        // for the supervisor's death (an immediate exit instead of letting transfers finish)
        p.toHandle().destroy();
        try {
            if (!done.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("{} did not stop within {} s; killing it", spec.name(), grace.toSeconds());
                p.toHandle().destroyForcibly();
                done.await(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.toHandle().destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The pid of the running child, or -1. */
    long pid() {
        Process p = process;
        return p != null && p.isAlive() ? p.pid() : -1;
    }

    /** commons-exec's watchdog, which also hands out the {@link Process} it watches. */
    private static final class CapturingWatchdog extends ExecuteWatchdog {
        private final CountDownLatch started = new CountDownLatch(1);
        private volatile Process watched;

        @SuppressWarnings("deprecation")
        CapturingWatchdog() {
            super(INFINITE_TIMEOUT);
        }

        @Override
        public synchronized void start(Process process) {
            watched = process;
            started.countDown();
            super.start(process);
        }

        @Override
        public synchronized void failedToStart(Exception e) {
            started.countDown();
            super.failedToStart(e);
        }

        Process awaitProcess() {
            try {
                started.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return watched;
        }
    }

    /**
     * Copies the child's output to ours and holds the write end of its stdin without writing: the
     * child sees its stdin end, and exits, the moment this JVM is gone (SupervisorWatch), even
     * after kill -9. commons-exec would otherwise close the child's stdin at once.
     */
    private static final class KeepStdinOpen extends PumpStreamHandler {
        KeepStdinOpen(OutputStream output) {
            super(output, output);
        }

        @Override
        public void setProcessInputStream(OutputStream childStdin) {
            // kept open, never written: the Process keeps the stream, and so the pipe, alive
        }
    }

    /** Copies a child's output to ours one whole line at a time, each marked with the child's name. */
    private static final class Prefixer extends LogOutputStream {
        private final String prefix;
        private final PrintStream out;

        Prefixer(String prefix, PrintStream out) {
            this.prefix = prefix;
            this.out = out;
        }

        @Override
        protected void processLine(String line, int level) {
            synchronized (out) {
                out.println(prefix + line);
            }
        }
    }
}
