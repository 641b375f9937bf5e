package dev.registrycache.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The gateway passes a request's route from its handlers to the proxy as one typed record, {@link
 * ProxyRoute}, which alone keeps it on the request, as Jetty's proxy keeps its own state private:
 * no other class of the gateway reads or writes request attributes.
 */
class RequestAttributesTest {
    private static final Path SOURCES = Path.of(System.getProperty("user.dir"), "src", "main", "java");
    private static final Pattern ATTRIBUTE_USE = Pattern.compile("\\.(set|get|remove)Attribute\\(");

    @Test
    void onlyTheProxyRouteKeepsStateOnARequest() throws Exception {
        Set<String> users = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (ATTRIBUTE_USE.matcher(Files.readString(file)).find()) {
                    users.add(file.getFileName().toString());
                }
            }
        }
        assertEquals(Set.of("ProxyRoute.java"), users);
    }
}
