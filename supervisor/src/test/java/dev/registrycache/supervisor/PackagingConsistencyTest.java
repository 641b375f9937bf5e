package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.registrycache.common.settings.Setting;
import dev.registrycache.testsupport.ProcessResult;
import dev.registrycache.testsupport.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Containerfile, the kube YAML, the systemd units and the README name the same variables with
 * the same defaults as the code ({@link Setting}), so that they cannot drift apart; the units
 * pass {@code systemd-analyze verify}.
 */
class PackagingConsistencyTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path DOCKER = ROOT.resolve("docker");
    /** Defaults that the system packaging moves under /etc/registry-cache on purpose. */
    private static final List<Setting> RELOCATED_BY_SYSTEMD =
            List.of(Setting.PULL_SECRET, Setting.CERTS, Setting.REGISTRY_AUTH_HTPASSWD_PATH);

    private static String read(Path p) throws Exception {
        return Files.readString(p);
    }

    private static List<Setting> withDefaults() {
        List<Setting> out = new ArrayList<>();
        for (Setting s : Setting.values()) {
            if (s.env() != null && s.defaultValue() != null) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void theContainerfileSetsEveryVariableToItsDefault() throws Exception {
        String file = read(DOCKER.resolve("Containerfile"));
        for (Setting s : withDefaults()) {
            String value = s.defaultValue().contains(" ") ? "\"" + s.defaultValue() + "\"" : s.defaultValue();
            assertTrue(file.contains(s.env() + "=" + value), s.env() + "=" + value + " missing from the Containerfile");
        }
        assertTrue(file.contains("EXPOSE " + Setting.PORT.defaultValue()));
        assertTrue(file.contains("VOLUME [\"/var/lib/registry\", \"/var/log/registry-cache\"]"));
        assertTrue(Pattern.compile("(?m)^USER (?!0|root)").matcher(file).find(), "the image runs as a non-root user");
        assertTrue(
                file.contains("ENTRYPOINT [\"java\"") && file.contains("registry-cache.jar\"]"),
                "the entrypoint is the supervisor");
    }

    @Test
    void theKubeYamlShowsTheDefaults() throws Exception {
        String yaml = read(DOCKER.resolve("deployment.yaml"));
        for (Setting s : List.of(
                Setting.PORT,
                Setting.REGISTRY_AUTH_HTPASSWD_REALM,
                Setting.REGISTRY_AUTH_HTPASSWD_PATH,
                Setting.CLEANER_MAXSIZE,
                Setting.CLEANER_THRESHOLD_PERCENTAGE,
                Setting.CLEANER_RUNEVERY_TIME,
                Setting.IGNOREREGISTRYLIST)) {
            assertTrue(
                    Pattern.compile("- name: " + s.env() + "\\b[^\\n]*\\n\\s*value: \""
                                    + Pattern.quote(s.defaultValue()) + "\"")
                            .matcher(yaml)
                            .find(),
                    s.env() + " with value \"" + s.defaultValue() + "\" missing from deployment.yaml");
        }
        assertTrue(yaml.contains("mountPath: /pull-secret.json")
                && yaml.contains("mountPath: /var/lib/registry")
                && yaml.contains("mountPath: /certs")
                && yaml.contains("mountPath: /auth"));
    }

    @Test
    void theReadmeTableHasEveryVariableWithItsDefault() throws Exception {
        String readme = read(ROOT.resolve("README.md"));
        for (Setting s : Setting.values()) {
            if (s.env() == null) {
                continue;
            }
            String expected = "| `" + s.env() + "` | "
                    + (s.defaultValue() == null ? "unset" : "`" + s.defaultValue() + "`") + " |";
            assertTrue(readme.contains(expected), "README lacks the row " + expected);
            if (s.flag() != null) {
                assertTrue(
                        readme.contains("| `" + s.flag() + "` | `" + s.env() + "` |"),
                        "README lacks the flag of " + s.env());
            }
        }
    }

    @Test
    void theSystemdEnvironmentFileNamesEveryVariable() throws Exception {
        String env = read(DOCKER.resolve("systemd/registry-cache.env"));
        for (Setting s : Setting.values()) {
            if (s.env() == null) {
                continue;
            }
            if (s == Setting.NODE_TOKEN_FILE) {
                assertTrue(
                        env.contains("\nNODE_TOKEN_FILE=/etc/registry-cache/node-token\n"),
                        "the units' nodes serve the gateway only");
            } else if (s.defaultValue() == null) {
                assertTrue(env.contains("#" + s.env() + "="), s.env() + " missing (commented) from registry-cache.env");
            } else if (RELOCATED_BY_SYSTEMD.contains(s)) {
                assertTrue(
                        Pattern.compile("(?m)^" + s.env() + "=/etc/registry-cache/")
                                .matcher(env)
                                .find(),
                        s.env());
            } else {
                assertTrue(
                        env.contains("\n" + s.env() + "=" + s.defaultValue() + "\n"),
                        s.env() + "=" + s.defaultValue() + " missing from registry-cache.env");
            }
        }
    }

    @Test
    void theUnitsRunTheComponentsWithTheSupervisorsJvmOptions() throws Exception {
        String node = read(DOCKER.resolve("systemd/registry-cache-node@.service"));
        for (String option : ChildSpec.nodeOptions()) {
            if (option.startsWith("-Xm")
                    || option.startsWith("-XX:MaxDirect")
                    || option.startsWith("-XX:UseAVX")
                    || option.startsWith("-XX:+UseSerialGC")) {
                assertTrue(node.contains(option), option + " missing from the node unit");
            }
        }
        assertTrue(node.contains("node --upstream %i"));
        String gateway = read(DOCKER.resolve("systemd/registry-cache-gateway.service"));
        for (String option : ChildSpec.gatewayOptions()) {
            if (option.startsWith("-Xm") || option.startsWith("-XX:MaxDirect") || option.startsWith("-XX:Tiered")) {
                assertTrue(gateway.contains(option), option + " missing from the gateway unit");
            }
        }
        assertTrue(
                read(DOCKER.resolve("systemd/registry-cache-gateway.service")).contains("gateway $GATEWAY_NODES"));
        assertTrue(read(DOCKER.resolve("systemd/registry-cache-logger.service")).contains(" logger"));
        assertTrue(
                read(DOCKER.resolve("systemd/registry-cache-cleaner.service")).contains(" cleaner"));
    }

    @Test
    void everyJvmMapsTheClassDataArchivesWhereTheyWereWrittenSoThatTheirPagesAreShared() throws Exception {
        List<String> shared = ChildSpec.SHARED_ARCHIVES;
        assertEquals(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0"), shared);
        assertTrue(ChildSpec.COMMON.containsAll(shared), "the supervisor's children");
        List<String> starts = new ArrayList<>(supervisorStarts());
        for (String unit : List.of("node@", "gateway", "logger", "cleaner")) {
            starts.add(read(DOCKER.resolve("systemd/registry-cache-" + unit + ".service")));
        }
        for (String start : starts) {
            for (String option : shared) {
                assertTrue(start.contains(option), option + " missing from " + start);
            }
        }
    }

    @Test
    void theSupervisorsHeapIsSizedToWhatItKeepsInTheImageAndInRunSh() throws Exception {
        // a young generation of 1 MiB and a heap that shrinks to what it keeps: the supervisor
        // allocates little once the children run (bench/README.md, "Half the memory")
        for (String start : supervisorStarts()) {
            for (String option :
                    List.of("-Xms2m", "-Xmn1m", "-Xmx48m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20")) {
                assertTrue(start.contains(option), option + " missing from " + start);
            }
        }
    }

    /** The supervisor's command lines: the image's ENTRYPOINT and run.sh's. */
    private static List<String> supervisorStarts() throws Exception {
        String entrypoint = read(DOCKER.resolve("Containerfile"))
                .lines()
                .filter(l -> l.startsWith("ENTRYPOINT"))
                .findFirst()
                .orElseThrow();
        String runScript = read(ROOT.resolve("run.sh"))
                .lines()
                .filter(l -> l.startsWith("exec java"))
                .findFirst()
                .orElseThrow();
        return List.of(entrypoint, runScript);
    }

    @Test
    void theUnitsPassSystemdAnalyzeVerify(@TempDir Path dir) throws Exception {
        Tools.require("systemd-analyze");
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no"));
        for (String name : List.of(
                "registry-cache.target",
                "registry-cache-gateway.service",
                "registry-cache-logger.service",
                "registry-cache-cleaner.service")) {
            cmd.add(DOCKER.resolve("systemd").resolve(name).toString());
        }
        Path instance = dir.resolve("registry-cache-node@quay.io.service");
        Files.copy(DOCKER.resolve("systemd/registry-cache-node@.service"), instance);
        cmd.add(instance.toString());
        ProcessResult r = Tools.run(Duration.ofSeconds(60), cmd);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(!r.output().contains("Unknown key") && !r.output().contains("Unknown section"), r.output());
    }
}
