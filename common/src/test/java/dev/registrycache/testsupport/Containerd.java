package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A private containerd (Debian's package): its own root, state, sockets and config in a temporary
 * folder, the CRI plugin off, so that {@code ctr images pull --hosts-dir} pulls through the cache
 * as a node's containerd does, without touching the machine's. {@link #close()} stops it,
 * unmounts what it mounted and deletes the folder.
 */
public final class Containerd implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final Path folder;
    private final Path socket;
    private final Path log;
    private Process process;

    private Containerd(Path folder) {
        this.folder = folder;
        this.socket = folder.resolve("c.sock");
        this.log = folder.resolve("containerd.log");
    }

    public static Containerd start() {
        Tools.require("containerd");
        Tools.require("ctr");
        Containerd containerd = new Containerd(TempDirs.create(Path.of("/tmp"), "ctrd-"));
        try {
            containerd.startProcess();
            return containerd;
        } catch (RuntimeException | Error e) {
            containerd.close();
            throw e;
        }
    }

    private void startProcess() {
        try {
            Path config = Files.writeString(
                    folder.resolve("config.toml"),
                    "version = 2\n"
                            + "root = \"" + folder.resolve("root") + "\"\n"
                            + "state = \"" + folder.resolve("state") + "\"\n"
                            + "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                            + "[grpc]\n  address = \"" + socket + "\"\n"
                            + "[ttrpc]\n  address = \"" + folder.resolve("t.sock") + "\"\n");
            process = Tools.start(Tools.processBuilder(List.of("containerd", "--config", config.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Await.until("containerd's socket", Await.DEADLINE, () -> Files.exists(socket), () -> Tools.printed(log));
    }

    /** A folder for the tests' own files (hosts dirs), deleted with the rest. */
    public Path folder() {
        return folder;
    }

    /** {@code ctr --address <socket> args...}, whatever the exit code. */
    public ProcessResult ctr(String... args) {
        List<String> command = new ArrayList<>(List.of("ctr", "--address", socket.toString()));
        command.addAll(Arrays.asList(args));
        return Tools.run(TIMEOUT, command);
    }

    /** {@code ctr images pull --hosts-dir hostsDir [--platform p] reference}. */
    public ProcessResult pull(Path hostsDir, String platform, String reference) {
        List<String> args = new ArrayList<>(List.of("images", "pull", "--hosts-dir", hostsDir.toString()));
        if (platform != null) {
            args.addAll(List.of("--platform", platform));
        }
        args.add(reference);
        return ctr(args.toArray(String[]::new));
    }

    @Override
    public void close() {
        if (process != null) {
            Tools.stop(process, Duration.ofSeconds(10));
        }
        for (String sub : List.of("root", "state")) {
            Tools.run(
                    Duration.ofSeconds(30),
                    List.of("umount", "-R", folder.resolve(sub).toString()));
        }
        TempDirs.delete(folder);
    }
}
