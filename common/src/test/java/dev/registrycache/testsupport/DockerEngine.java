package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
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
     * Starts an engine whose {@code daemon.json} holds {@code settings} (JSON members, e.g.
     * {@code "registry-mirrors": ["https://127.0.0.1:8443"]}) besides its private folders.
     */
    public static DockerEngine start(String settings) {
        Tools.require("dockerd");
        Tools.require("docker");
        // short: containerd's sockets live under the exec root, and a socket path has 108 bytes at most
        DockerEngine engine = new DockerEngine(TempDirs.create(Path.of("/tmp"), "dk-"));
        try {
            engine.startDaemon(settings);
            return engine;
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }

    private void startDaemon(String settings) {
        try {
            Files.createDirectories(cliConfig);
            Files.writeString(cliConfig.resolve("config.json"), "{\"auths\":{}}");
            Path config = Files.writeString(
                    folder.resolve("daemon.json"),
                    "{\n"
                            + "  \"data-root\": \"" + folder.resolve("data") + "\",\n"
                            + "  \"exec-root\": \"" + folder.resolve("x") + "\",\n"
                            + "  \"pidfile\": \"" + folder.resolve("d.pid") + "\",\n"
                            + "  \"hosts\": [\"unix://" + socket + "\"],\n"
                            + "  \"iptables\": false,\n"
                            + "  \"ip6tables\": false,\n"
                            + "  \"bridge\": \"none\",\n"
                            + "  \"storage-driver\": \"vfs\",\n"
                            + "  \"exec-opts\": [\"native.cgroupdriver=cgroupfs\"]"
                            + (settings.isBlank() ? "" : ",\n  " + settings)
                            + "\n}\n");
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

    /**
     * Stores credentials in the CLI's config for {@code server} ({@code "https://index.docker.io/v1/"}
     * for Docker Hub, {@code host:port} for another registry), as {@code docker login} does
     * without a credential helper, but without asking the server first.
     */
    public void storeCredentials(String server, TestCredentials credentials) {
        String auth = Base64.getEncoder()
                .encodeToString(credentials.userColonPassword().getBytes(StandardCharsets.UTF_8));
        try {
            Files.writeString(
                    cliConfig.resolve("config.json"), "{\"auths\":{\"" + server + "\":{\"auth\":\"" + auth + "\"}}}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code docker login -u -p host} (the password on stdin, as users are told to). */
    public ProcessResult tryLogin(String host, TestCredentials credentials) {
        List<String> command = List.of(
                "sh",
                "-c",
                "printf '%s' \"$PASSWORD\" | docker -H unix://" + socket + " login --username \"$USERNAME\" "
                        + "--password-stdin " + host);
        return Tools.run(
                TIMEOUT,
                command,
                Map.of(
                        "DOCKER_CONFIG", cliConfig.toString(),
                        "USERNAME", credentials.username(),
                        "PASSWORD", credentials.password()),
                null);
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
