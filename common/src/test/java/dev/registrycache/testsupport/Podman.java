package dev.registrycache.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * podman with its own image store in a temporary folder (vfs driver, private root and runroot),
 * so that a test pulls through the cache like a user would without touching the machine's
 * images or seeing another test's. {@code podman pull} is what works here; {@code podman run}
 * needs more than a test machine offers. {@link #close()} removes the store.
 */
public final class Podman implements AutoCloseable {

    /** podman refuses a runroot path longer than this. */
    private static final int MAX_RUNROOT_LENGTH = 50;

    private final Path folder;
    private final Path runRootFolder;
    private final Path root;
    private final Path runRoot;
    private final Path tmp;
    private final Duration timeout;

    private Podman(Duration timeout) {
        this.timeout = timeout;
        this.folder = TempDirs.create("podman-");
        this.root = folder.resolve("root");
        this.tmp = folder.resolve("tmp");
        Path inFolder = folder.resolve("run");
        this.runRootFolder =
                inFolder.toString().length() <= MAX_RUNROOT_LENGTH ? null : TempDirs.create(Path.of("/tmp"), "podrun-");
        this.runRoot = runRootFolder == null ? inFolder : runRootFolder;
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        }
    }

    /** Requires podman on PATH (see {@link Tools#require}); pulls need root on this machine. */
    public static Podman create() {
        Tools.require("podman");
        return new Podman(Duration.ofSeconds(120));
    }

    /** E.g. {@code podman version 4.3.1}. */
    public String version() {
        return Tools.runOrThrow(timeout, List.of("podman", "--version"))
                .stdoutText()
                .strip();
    }

    /** The private image store ({@code --root}). */
    public Path root() {
        return root;
    }

    /** Runs {@code podman <global flags> args...}, whatever the exit code. */
    public ProcessResult tryRun(String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(globalFlags());
        command.addAll(Arrays.asList(args));
        // TMPDIR: where containers/image stages blobs during a pull (default /var/tmp)
        return Tools.run(timeout, command, Map.of("TMPDIR", tmp.toString()), null);
    }

    public ProcessResult run(String... args) {
        return tryRun(args).orThrow();
    }

    private List<String> globalFlags() {
        return List.of(
                "--root",
                root.toString(),
                "--runroot",
                runRoot.toString(),
                "--storage-driver",
                "vfs",
                "--tmpdir",
                tmp.resolve("libpod").toString(),
                "--events-backend",
                "none",
                "--cgroup-manager",
                "cgroupfs");
    }

    /**
     * Runs a shell script (a README block) with {@code podman} meaning this private store: a
     * {@code podman} first on the PATH that adds the global flags, and a {@code skopeo} that reads
     * {@code CONTAINERS_REGISTRIES_CONF} as podman does; {@code env} on top (e.g.
     * {@code CONTAINERS_REGISTRIES_CONF}, {@code REGISTRY_AUTH_FILE}). Staging goes to the
     * store's own temporary folder, for skopeo too.
     */
    public ProcessResult runScript(String script, Map<String, String> env, Path workDir) {
        StringBuilder podman = new StringBuilder("#!/bin/sh\nexec ").append(Tools.require("podman"));
        globalFlags().forEach(flag -> podman.append(" '").append(flag).append('\''));
        podman.append(" \"$@\"\n");
        // skopeo 1.9 reads /etc/containers/registries.conf whatever CONTAINERS_REGISTRIES_CONF says
        String skopeo = "#!/bin/sh\nexec " + Tools.require("skopeo")
                + " ${CONTAINERS_REGISTRIES_CONF:+--registries-conf \"$CONTAINERS_REGISTRIES_CONF\"} \"$@\"\n";
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("TMPDIR", tmp.toString());
        return Tools.runScript(
                timeout,
                script,
                folder.resolve("bin"),
                Map.of("podman", podman.toString(), "skopeo", skopeo),
                all,
                workDir);
    }

    /** Pulls anonymously for this machine's platform; returns the image ID. */
    public String pull(String reference) {
        return pull(reference, null, null);
    }

    public String pull(String reference, TestCredentials credentials) {
        return pull(reference, null, credentials);
    }

    /** Pulls {@code platform} (null: this machine's) and returns the image ID; throws on failure. */
    public String pull(String reference, Platform platform, TestCredentials credentials) {
        String output =
                tryPull(reference, platform, credentials).orThrow().stdoutText().strip();
        String[] lines = output.split("\n");
        return lines[lines.length - 1].strip();
    }

    /**
     * {@code podman pull --tls-verify=false [--os --arch --variant] [--creds]}; null credentials
     * mean anonymous (an empty auth file, never the machine's).
     */
    public ProcessResult tryPull(String reference, Platform platform, TestCredentials credentials) {
        List<String> args = new ArrayList<>(List.of("pull", "--tls-verify=false", "--quiet"));
        if (platform != null) {
            args.addAll(List.of("--os", platform.os(), "--arch", platform.architecture()));
            if (platform.variant() != null) {
                args.addAll(List.of("--variant", platform.variant()));
            }
        }
        if (credentials != null) {
            args.addAll(List.of("--creds", credentials.userColonPassword()));
        } else {
            args.addAll(List.of("--authfile", emptyAuthFile().toString()));
        }
        args.add(reference);
        return tryRun(args.toArray(String[]::new));
    }

    /** {@code podman image inspect --format {{.Digest}}}: the manifest digest podman pulled by. */
    public String digest(String reference) {
        return run("image", "inspect", "--format", "{{.Digest}}", reference)
                .stdoutText()
                .strip();
    }

    /** {@code RepoDigests} of the image, {@code name@sha256:...} each. */
    public List<String> repoDigests(String reference) {
        String out = run("image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", reference)
                .stdoutText();
        return out.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    /** {@code os/arch} of a pulled image (podman 4.3's inspect has no variant field). */
    public Platform platform(String reference) {
        String out = run("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", reference)
                .stdoutText()
                .strip();
        return Platform.parse(out);
    }

    /** Removes every image, then the whole store. */
    @Override
    public void close() {
        try {
            if (Files.exists(root)) {
                tryRun("rmi", "--all", "--force");
            }
        } finally {
            if (runRootFolder != null) {
                TempDirs.delete(runRootFolder);
            }
            TempDirs.delete(folder);
        }
    }

    private Path emptyAuthFile() {
        Path file = folder.resolve("auth.json");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, "{\"auths\":{}}");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
