package dev.registrycache.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates our Kubernetes files without a cluster (kubectl's client-side dry run still asks an
 * API server for discovery): each document is read into the API's own types (fabric8's
 * kubernetes-model, generated from the API's OpenAPI schemas), a field the schema does not have is
 * an error, and the rules the API server would apply to what we use are checked (names, selectors
 * matching the template, mounts naming declared volumes, ports in range, probes naming a port).
 */
final class KubernetesManifests {
    private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Map<String, Class<? extends HasMetadata>> KINDS =
            Map.of("apps/v1/Deployment", Deployment.class);

    private KubernetesManifests() {}

    /** Every document of the file, validated; a list of what is wrong is thrown as one error. */
    static List<HasMetadata> read(Path file) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            for (var docs = YAML.readValues(parser, JsonNode.class); docs.hasNext(); ) {
                JsonNode doc = docs.next();
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                String key =
                        doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
                Class<? extends HasMetadata> type = KINDS.get(key);
                if (type == null) {
                    problems.add(file + ": unknown apiVersion/kind " + key);
                    continue;
                }
                HasMetadata object = JSON.treeToValue(doc, type);
                String where = file.getFileName() + " " + doc.path("kind").asText() + " "
                        + object.getMetadata().getName();
                unknownFields(object, where, problems, new IdentityHashMap<>());
                rules(object, where, problems);
                out.add(object);
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
        return out;
    }

    private static void rules(HasMetadata object, String where, List<String> problems) {
        String name = object.getMetadata() == null ? null : object.getMetadata().getName();
        if (name == null || !DNS_1123_SUBDOMAIN.matcher(name).matches()) {
            problems.add(where + ": metadata.name '" + name + "' is not a DNS-1123 subdomain");
        }
        if (object instanceof Deployment d) {
            if (d.getSpec() == null
                    || d.getSpec().getTemplate() == null
                    || d.getSpec().getSelector() == null) {
                problems.add(where + ": spec.selector and spec.template are required");
                return;
            }
            Map<String, String> selector = d.getSpec().getSelector().getMatchLabels();
            Map<String, String> labels = d.getSpec().getTemplate().getMetadata() == null
                    ? Map.of()
                    : d.getSpec().getTemplate().getMetadata().getLabels();
            if (selector == null
                    || selector.isEmpty()
                    || labels == null
                    || !labels.entrySet().containsAll(selector.entrySet())) {
                problems.add(where + ": spec.selector.matchLabels " + selector + " must match the template's labels "
                        + labels);
            }
            podSpec(d.getSpec().getTemplate().getSpec(), where, problems);
        }
    }

    private static void podSpec(PodSpec pod, String where, List<String> problems) {
        if (pod == null || pod.getContainers() == null || pod.getContainers().isEmpty()) {
            problems.add(where + ": the pod needs at least one container");
            return;
        }
        Set<String> volumes = new HashSet<>();
        for (Volume v : pod.getVolumes()) {
            if (!volumes.add(v.getName())
                    || !DNS_1123_LABEL.matcher(v.getName()).matches()) {
                problems.add(where + ": volume name '" + v.getName() + "' repeated or not a DNS-1123 label");
            }
            if (v.getHostPath() != null
                    && v.getHostPath().getType() != null
                    && !Set.of(
                                    "",
                                    "DirectoryOrCreate",
                                    "Directory",
                                    "FileOrCreate",
                                    "File",
                                    "Socket",
                                    "CharDevice",
                                    "BlockDevice")
                            .contains(v.getHostPath().getType())) {
                problems.add(where + ": volume " + v.getName() + ": hostPath type '"
                        + v.getHostPath().getType() + "'");
            }
        }
        if (Boolean.TRUE.equals(pod.getHostNetwork())) {
            problems.add(where
                    + ": hostNetwork clashes with published ports under podman play kube; publish hostPort instead");
        }
        for (Container c : pod.getContainers()) {
            if (c.getName() == null
                    || !DNS_1123_LABEL.matcher(c.getName()).matches()
                    || c.getImage() == null
                    || c.getImage().isBlank()) {
                problems.add(where + ": container '" + c.getName() + "' needs a DNS-1123 name and an image");
            }
            for (VolumeMount m : c.getVolumeMounts()) {
                if (!volumes.contains(m.getName())) {
                    problems.add(where + ": mount of volume '" + m.getName() + "', which the pod does not declare");
                }
            }
            Set<String> env = new HashSet<>();
            c.getEnv().forEach(e -> {
                if (!env.add(e.getName())) {
                    problems.add(where + ": env " + e.getName() + " set twice");
                }
            });
            Set<Integer> ports = new HashSet<>();
            Set<String> portNames = new HashSet<>();
            for (ContainerPort p : c.getPorts()) {
                if (p.getContainerPort() == null
                        || p.getContainerPort() < 1
                        || p.getContainerPort() > 65535
                        || (p.getHostPort() != null && (p.getHostPort() < 1 || p.getHostPort() > 65535))) {
                    problems.add(where + ": port " + p + " out of range");
                }
                ports.add(p.getContainerPort());
                if (p.getName() != null) {
                    portNames.add(p.getName());
                }
            }
            for (var probe : new io.fabric8.kubernetes.api.model.Probe[] {
                c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe()
            }) {
                if (probe != null && probe.getHttpGet() != null) {
                    var port = probe.getHttpGet().getPort();
                    boolean known = port.getIntVal() != null
                            ? ports.contains(port.getIntVal())
                            : portNames.contains(port.getStrVal());
                    if (!known) {
                        problems.add(where + ": probe on port " + port + ", which the container does not declare");
                    }
                }
            }
        }
    }

    /** Fields the API's schema does not know land in additionalProperties: each one is an error. */
    private static void unknownFields(Object node, String path, List<String> problems, Map<Object, Boolean> seen) {
        if (node == null || seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        if (node instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                unknownFields(item, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, problems, seen));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : node.getClass().getMethods()) {
            if (m.getParameterCount() != 0
                    || Modifier.isStatic(m.getModifiers())
                    || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(node);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": fields the API does not have: " + extra.keySet());
                }
                continue;
            }
            String field =
                    Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            unknownFields(value, path + "." + field, problems, seen);
        }
    }
}
