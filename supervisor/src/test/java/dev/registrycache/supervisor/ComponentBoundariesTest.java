package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the supervisor takes from the components it runs: their commands (the one jar runs each of
 * them, and the cache's clients, warm and admin) and the gateway's configuration checks. Settings that two
 * processes read are parsed in common, so that validating them does not pull in a component's
 * insides.
 */
class ComponentBoundariesTest {
    private static final Path SOURCES = Path.of(System.getProperty("user.dir"), "src", "main", "java");
    private static final Pattern COMPONENT_IMPORT = Pattern.compile(
            "(?m)^import (dev\\.registrycache\\.(?:gateway|node|logger|cleaner|warm|admin)\\.[\\w.]+);");

    @Test
    void theSupervisorImportsOnlyTheComponentsCommandsAndTheGatewaysChecks() throws Exception {
        Set<String> imported = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = COMPONENT_IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    imported.add(m.group(1));
                }
            }
        }
        assertEquals(
                Set.of(
                        "dev.registrycache.admin.AdminCommand",
                        "dev.registrycache.cleaner.CleanerCommand",
                        "dev.registrycache.gateway.GatewayChecks",
                        "dev.registrycache.gateway.GatewayCommand",
                        "dev.registrycache.logger.LoggerCommand",
                        "dev.registrycache.node.NodeCommand",
                        "dev.registrycache.warm.WarmCommand"),
                imported);
    }
}
