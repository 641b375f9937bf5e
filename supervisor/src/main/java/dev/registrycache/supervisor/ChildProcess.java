package dev.registrycache.supervisor;

import dev.registrycache.common.Reasons;
import dev.registrycache.common.startup.SupervisorWatch;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
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
 * by line to ours with its name in front, run again whenever its {@link Turns} say (a service at
 * once after it exits, with back-off; a pass on its schedule), and stopped with SIGTERM (then
 * SIGKILL after a grace period) on shutdown.
 */
final class ChildProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ChildProcess.class);

    private final ChildSpec spec;
    private final Supplier<List<String>> command;
    private final Map<String, String> env;
    private final PrintStream out;
    private final Turns turns;
    private final Object lock = new Object();
    private volatile boolean stopping;
    /** Set when the whole cache is stopping: a child that exits now is not started again. */
    private volatile boolean finishing;

    private volatile Process process;
    private volatile boolean stackReady;
    private CountDownLatch exited = new CountDownLatch(0);
    private Thread loop;

    private final IntConsumer afterExit;

    /**
     * {@code command}: asked before each start (the JVM options of class-data sharing change once
     * the first JVM of a kind wrote its archive); {@code afterExit}: called with the exit code each
     * time the child has exited (before it runs again, and before {@link #stop} returns).
     */
    ChildProcess(
            ChildSpec spec,
            Supplier<List<String>> command,
            Map<String, String> env,
            PrintStream out,
            Turns turns,
            IntConsumer afterExit) {
        this.spec = spec;
        this.command = command;
        this.env = env;
        this.out = out;
        this.turns = turns;
        this.afterExit = afterExit;
    }

    String name() {
        return spec.name();
    }

    ChildSpec spec() {
        return spec;
    }

    /** Runs the child on its turns until {@link #stop}. */
    void start() {
        loop = new Thread(this::superviseLoop, "supervise-" + spec.name().replace(' ', '-'));
        loop.setDaemon(true);
        loop.start();
    }

    private void superviseLoop() {
        while (!stopping) {
            try {
                turns.awaitTurn();
            } catch (InterruptedException e) {
                return;
            }
            if (stopping || finishing) {
                return;
            }
            long started = System.nanoTime();
            int exit = runOnce();
            if (stopping || finishing) {
                return;
            }
            turns.exited(exit, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    /** Runs the child until it exits; returns its exit code. */
    private int runOnce() {
        List<String> argv = command.get();
        CommandLine cmd = new CommandLine(argv.get(0));
        for (String arg : argv.subList(1, argv.size())) {
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
                LOG.error("cannot start {}: {}", spec.name(), Reasons.of(e));
                done.countDown();
                return -1;
            }
        }
        process = watchdog.awaitProcess();
        if (stackReady) {
            tellStackReady(process); // a restart after the cache was ready
        }
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

    /**
     * Tells the child, now and after each restart, that the whole cache is ready: one line on its
     * stdin ({@code SupervisorWatch.whenStackReady}), on which it begins its warm-up.
     */
    void stackReady() {
        stackReady = true;
        tellStackReady(process);
    }

    private static void tellStackReady(Process p) {
        if (p == null) {
            return;
        }
        try {
            OutputStream stdin = p.getOutputStream();
            stdin.write(SupervisorWatch.STACK_READY);
            stdin.flush();
        } catch (IOException e) {
            // it has exited: its next start is told
        }
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
     * Copies the child's output to ours and holds the write end of its stdin (written once, the line that
     * says the cache is ready: {@link ChildProcess#stackReady}): the
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
