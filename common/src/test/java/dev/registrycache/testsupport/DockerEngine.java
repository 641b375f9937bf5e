package dev.registrycache.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A private Docker Engine: Debian's {@code dockerd} with its own data root, exec root, socket,
 * pid file and {@code daemon.json} in a temporary folder, without iptables or a bridge (the
 * machine's network stays as it was), and a {@code docker} CLI with its own config folder
 * ({@code DOCKER_CONFIG}), so that a test pulls and runs images as a Docker user does without
 * touching the machine's engine, images or credentials. {@link #close()} removes containers and
 * images, stops the engine and its containerd, unmounts what they mounted and deletes the folder.
 */
public final class DockerEngine implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private final Path socket;
    private final Path cliConfig;
    private final Path log;
    private Process daemon;

    private DockerEngine(Path folder) {
        this.folder = folder;
        this.socket = folder.resolve("d.sock");
        this.cliConfig = folder.resolve("cli");
        this.log = folder.resolve("dockerd.log");
    }

    /**
     * Starts an engine whose {@code daemon.json} is {@code daemonJson} (e.g. the README's, with
     * {@code registry-mirrors}) with the engine's private folders, socket and network settings
     * added.
     */
    public static DockerEngine start(String daemonJson) {
        Tools.require("dockerd");
        Tools.require("docker");
        // short: containerd's sockets live under the exec root, and a socket path has 108 bytes at most
        DockerEngine engine = new DockerEngine(TempDirs.create(Path.of("/tmp"), "dk-"));
        try {
            engine.startDaemon(daemonJson);
            return engine;
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }

    private void startDaemon(String daemonJson) {
        try {
            Files.createDirectories(cliConfig);
            Files.writeString(cliConfig.resolve("config.json"), "{\"auths\":{}}");
            ObjectNode settings = (ObjectNode) JSON.readTree(daemonJson);
            settings.put("data-root", folder.resolve("data").toString());
            settings.put("exec-root", folder.resolve("x").toString());
            settings.put("pidfile", folder.resolve("d.pid").toString());
            settings.putArray("hosts").add("unix://" + socket);
            settings.put("iptables", false);
            settings.put("ip6tables", false);
            settings.put("bridge", "none");
            settings.put("storage-driver", "vfs");
            settings.putArray("exec-opts").add("native.cgroupdriver=cgroupfs");
            Path config = Files.write(folder.resolve("daemon.json"), JSON.writeValueAsBytes(settings));
            daemon = Tools.start(Tools.processBuilder(List.of("dockerd", "--config-file", config.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Await.until(
                "dockerd's API on " + socket,
                Await.DEADLINE,
                () -> daemon.isAlive() && tryRun("version").succeeded(),
                () -> Tools.printed(log));
        if (!daemon.isAlive()) {
            throw new IllegalStateException("dockerd exited:\n" + Tools.printed(log));
        }
    }

    /** What the engine has logged so far. */
    public String log() {
        return Tools.printed(log);
    }

    /** {@code docker -H <socket> args...} with this engine's CLI config, whatever the exit code. */
    public ProcessResult tryRun(String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", "unix://" + socket));
        command.addAll(Arrays.asList(args));
        return Tools.run(TIMEOUT, command, Map.of("DOCKER_CONFIG", cliConfig.toString()), null);
    }

    public ProcessResult run(String... args) {
        return tryRun(args).orThrow();
    }

    /** Writes the CLI's {@code config.json} (credentials by registry, as {@code docker login} keeps them). */
    public void writeCliConfig(String json) {
        try {
            Files.writeString(cliConfig.resolve("config.json"), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs a shell script (a README block) with {@code docker} meaning this engine's CLI: a
     * {@code docker} first on the PATH that adds {@code -H <socket>}, and this CLI config.
     */
    public ProcessResult runScript(String script, Map<String, String> env, Path workDir) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("DOCKER_CONFIG", cliConfig.toString());
        String docker = "#!/bin/sh\nexec " + Tools.require("docker") + " -H unix://" + socket + " \"$@\"\n";
        return Tools.runScript(TIMEOUT, script, folder.resolve("bin"), Map.of("docker", docker), all, workDir);
    }

    /** Removes every container and image, stops the engine, and deletes its folder. */
    @Override
    public void close() {
        try {
            if (daemon != null && daemon.isAlive()) {
                String containers =
                        tryRun("ps", "--all", "--quiet").stdoutText().strip();
                if (!containers.isEmpty()) {
                    List<String> rm = new ArrayList<>(List.of("rm", "--force"));
                    rm.addAll(containers.lines().toList());
                    tryRun(rm.toArray(String[]::new));
                }
                String images =
                        tryRun("images", "--all", "--quiet").stdoutText().strip();
                if (!images.isEmpty()) {
                    List<String> rmi = new ArrayList<>(List.of("rmi", "--force"));
                    rmi.addAll(images.lines().distinct().toList());
                    tryRun(rmi.toArray(String[]::new));
                }
            }
        } finally {
            if (daemon != null) {
                Tools.stop(daemon, Duration.ofSeconds(30));
            }
            unmountBelow(folder);
            TempDirs.delete(folder);
        }
    }

    /** Unmounts, deepest first, whatever is still mounted below {@code dir} (shm of containers, netns). */
    private static void unmountBelow(Path dir) {
        try {
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .map(line -> line.split(" ")[1].replace("\\040", " "))
                    .filter(point -> point.startsWith(dir + "/"))
                    .sorted(Comparator.comparingInt(String::length).reversed())
                    .toList();
            for (String point : mounts) {
                Tools.run(Duration.ofSeconds(30), List.of("umount", "--lazy", point));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
