package dev.registrycache.supervisor;

import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * This machine's podman (the system store, as a user runs it) for the tests of the image: builds
 * the image once per test run from the jar under test, keeps podman's bridge up while a test
 * needs it, and hands out the README's shell blocks, so that the tests run the documented steps.
 *
 * <p>The base images are the Containerfile's defaults; a machine without internet provides local
 * images under those names first (.ci/run makes stand-ins from Debian's packages).
 */
final class ContainerHost {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path JAR = Path.of(System.getProperty("registryCacheJar", "target/registry-cache.jar"))
            .toAbsolutePath();
    /** The tag the tests build; rebuilt (from cached layers) by every test run. */
    static final String IMAGE = "localhost/registry-cache:e2e";

    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static boolean built;

    private ContainerHost() {}

    /** Builds {@link #IMAGE} from the jar under test ({@code --target prebuilt}), once per JVM. */
    static synchronized String image() {
        Tools.require("podman");
        if (!built) {
            if (!Files.isRegularFile(ROOT.resolve("supervisor/target/registry-cache.jar"))) {
                throw new IllegalStateException("no supervisor/target/registry-cache.jar: run mvn package first");
            }
            build(IMAGE, "--format", "docker", "-f", "docker/Containerfile", "--target", "prebuilt", ".");
            built = true;
        }
        return IMAGE;
    }

    /**
     * {@code podman build -t tag args...}. The image the tag named before is removed when the
     * build made a new one: each test run rebuilds the tag, and would otherwise leave the last
     * run's image behind, untagged (one that a container still uses stays, podman refuses).
     */
    static void build(String tag, String... args) {
        String before = imageId(tag);
        List<String> command = new ArrayList<>(List.of("build", "-t", tag));
        command.addAll(Arrays.asList(args));
        podman(BUILD_TIMEOUT, command.toArray(String[]::new)).orThrow();
        String after = imageId(tag);
        if (before != null && !before.equals(after)) {
            podman("rmi", before);
        }
    }

    /** The ID of the image {@code tag} names; null if none. */
    private static String imageId(String tag) {
        ProcessResult inspect = podman("image", "inspect", "--format", "{{.Id}}", tag);
        return inspect.exitCode() == 0 ? inspect.stdoutText().strip() : null;
    }

    /**
     * Stops and removes {@code container} with its anonymous volumes: the image declares VOLUMEs,
     * and each container run without a folder mounted there gets volumes of its own.
     */
    static void remove(String container, Duration stopTimeout) {
        podman(
                stopTimeout.plusSeconds(60),
                "rm",
                "--force",
                "--volumes",
                "--time",
                Long.toString(stopTimeout.toSeconds()),
                container);
    }

    static ProcessResult podman(String... args) {
        return podman(TIMEOUT, args);
    }

    static ProcessResult podman(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(Arrays.asList(args));
        return Tools.run(timeout, command, Map.of(), ROOT);
    }

    /** A name no other test or run uses. */
    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * A container that only sleeps, on podman's default network: while it runs, the bridge and its
     * address on this host exist, so that a test upstream can listen there before the container
     * under test starts (the bridge goes away when the last container on it stops). Containers with
     * their own network reach the host only through that address; it is not reachable from outside
     * this machine.
     */
    static final class BridgeAnchor implements AutoCloseable {
        private final String name = uniqueName("rc-e2e-anchor");
        private final String address;

        BridgeAnchor() {
            podman("run", "-d", "--rm", "--name", name, "--entrypoint", "sleep", image(), "3600")
                    .orThrow();
            address = podman("network", "inspect", "podman", "--format", "{{range .Subnets}}{{.Gateway}}{{end}}")
                    .orThrow()
                    .stdoutText()
                    .strip();
            if (address.isEmpty()) {
                close();
                throw new IllegalStateException("podman's default network has no gateway address");
            }
        }

        /** The host's address on the bridge, e.g. 10.88.0.1. */
        String address() {
            return address;
        }

        @Override
        public void close() {
            remove(name, Duration.ZERO);
        }
    }

    /**
     * The README's Deployment steps as one bash script, with /opt/registry moved to {@code folder}
     * and the htpasswd user set: the folders, the credentials, the certificate and, with
     * {@code run}, the {@code podman run} line (never the build, the firewall or the verification).
     */
    static String readmeDeployment(Path folder, dev.registrycache.testsupport.TestCredentials client, boolean run) {
        StringBuilder script = new StringBuilder("set -euo pipefail\n");
        for (String block : readmeBlocks("## Deployment")) {
            if (block.contains("podman build")
                    || block.contains("firewall-cmd")
                    || block.contains("podman login")
                    || block.contains("play kube")
                    || (!run && block.contains("podman run"))) {
                continue;
            }
            script.append(block.replace("/opt/registry", folder.toString())
                    .replace("<user>", client.username())
                    .replace("<password>", client.password()));
        }
        return script.toString();
    }

    /**
     * The shell code of the README's {@code ```sh} blocks between {@code heading} and the next
     * heading, in order.
     */
    static List<String> readmeBlocks(String heading) {
        String readme;
        try {
            readme = Files.readString(ROOT.resolve("README.md"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int start = readme.indexOf("\n" + heading + "\n");
        if (start < 0) {
            throw new IllegalStateException("README has no heading " + heading);
        }
        Matcher next = Pattern.compile("\n#{1,6} ").matcher(readme);
        int end = next.find(start + heading.length() + 1) ? next.start() : readme.length();
        List<String> blocks = new ArrayList<>();
        Matcher block =
                Pattern.compile("(?m)^( *)```sh\n(.*?)^ *```$", Pattern.DOTALL).matcher(readme.substring(start, end));
        while (block.find()) {
            String indent = block.group(1);
            StringBuilder code = new StringBuilder();
            for (String line : block.group(2).split("\n")) {
                code.append(line.startsWith(indent) ? line.substring(indent.length()) : line)
                        .append('\n');
            }
            blocks.add(code.toString());
        }
        return blocks;
    }
}
