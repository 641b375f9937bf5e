package dev.registrycache.supervisor;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules the API server applies to a pod template, for the fields our files use: mounts naming
 * declared volumes at absolute paths, one source per volume, containers named and with an image,
 * ports in range and named as Kubernetes names them, probes naming a declared port, env vars set
 * once, downward API fields that exist, {@code $(NAME)} references that Kubernetes will expand,
 * requests within limits, and the restart policy the owning kind takes.
 */
final class KubernetesPodRules {
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    /** {@code $(NAME)} in an env value, a command or an argument; {@code $$} escapes it. */
    static final Pattern VARIABLE_REFERENCE = Pattern.compile("\\$\\(([^)]*)\\)");
    /** What the downward API gives an env var (fieldRef.fieldPath). */
    private static final Pattern FIELD_PATH = Pattern.compile("metadata\\.(name|namespace|uid)"
            + "|metadata\\.(labels|annotations)\\['[^']+'\\]"
            + "|spec\\.(nodeName|serviceAccountName)|status\\.(hostIP|hostIPs|podIP|podIPs)");

    private KubernetesPodRules() {}

    static void check(PodSpec pod, Set<String> restartPolicies, String where, List<String> problems) {
        if (pod == null || pod.getContainers() == null || pod.getContainers().isEmpty()) {
            problems.add(where + ": the pod needs at least one container");
            return;
        }
        String restart = pod.getRestartPolicy() == null ? "Always" : pod.getRestartPolicy();
        if (!restartPolicies.contains(restart)) {
            problems.add(where + ": restartPolicy " + restart + ", but this kind takes " + restartPolicies);
        }
        Set<String> volumes = new HashSet<>();
        for (Volume v : pod.getVolumes()) {
            if (!volumes.add(v.getName())
                    || !KubernetesObjectRules.DNS_1123_LABEL
                            .matcher(v.getName())
                            .matches()) {
                problems.add(where + ": volume name '" + v.getName() + "' repeated or not a DNS-1123 label");
            }
            int sources = volumeSources(v);
            if (sources != 1) {
                problems.add(where + ": volume " + v.getName() + " has " + sources + " sources; it needs one");
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
            container(c, volumes, where, problems);
        }
    }

    /** How many of the volume's source fields (hostPath, secret, emptyDir...) are set. */
    private static int volumeSources(Volume v) {
        int sources = 0;
        for (Method m : Volume.class.getMethods()) {
            if (m.getParameterCount() == 0
                    && m.getName().startsWith("get")
                    && !Set.of("getName", "getAdditionalProperties", "getClass").contains(m.getName())) {
                try {
                    sources += m.invoke(v) == null ? 0 : 1;
                } catch (IllegalAccessException | InvocationTargetException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return sources;
    }

    private static void container(Container c, Set<String> volumes, String where, List<String> problems) {
        if (c.getName() == null
                || !KubernetesObjectRules.DNS_1123_LABEL.matcher(c.getName()).matches()
                || c.getImage() == null
                || c.getImage().isBlank()) {
            problems.add(where + ": container '" + c.getName() + "' needs a DNS-1123 name and an image");
        }
        Set<String> mountPaths = new HashSet<>();
        for (VolumeMount m : c.getVolumeMounts()) {
            if (!volumes.contains(m.getName())) {
                problems.add(where + ": mount of volume '" + m.getName() + "', which the pod does not declare");
            }
            if (m.getMountPath() == null || !m.getMountPath().startsWith("/") || !mountPaths.add(m.getMountPath())) {
                problems.add(where + ": mountPath '" + m.getMountPath() + "' not absolute or used twice");
            }
            if (m.getSubPath() != null
                    && (m.getSubPath().startsWith("/")
                            || List.of(m.getSubPath().split("/")).contains(".."))) {
                problems.add(where + ": subPath '" + m.getSubPath() + "' must be relative, without '..'");
            }
        }
        List<String> defined = new ArrayList<>();
        for (EnvVar e : c.getEnv()) {
            env(e, defined, where, problems);
            defined.add(e.getName());
        }
        Set<Integer> ports = new HashSet<>();
        Set<String> portNames = new HashSet<>();
        for (ContainerPort p : c.getPorts()) {
            if (p.getContainerPort() == null
                    || p.getContainerPort() < 1
                    || p.getContainerPort() > 65535
                    || (p.getHostPort() != null && (p.getHostPort() < 1 || p.getHostPort() > 65535))) {
                problems.add(where + ": port " + p + " out of range");
            }
            if (!ports.add(p.getContainerPort())) {
                problems.add(where + ": container port " + p.getContainerPort() + " declared twice");
            }
            if (p.getName() != null
                    && (!KubernetesObjectRules.PORT_NAME.matcher(p.getName()).matches()
                            || !portNames.add(p.getName()))) {
                problems.add(where + ": port name '" + p.getName()
                        + "' repeated or not a port name (15 characters at most, lower case, a letter)");
            }
        }
        for (Probe probe : new Probe[] {c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe()}) {
            if (probe != null && probe.getHttpGet() != null) {
                var get = probe.getHttpGet();
                var port = get.getPort();
                boolean known = port != null
                        && (port.getIntVal() != null
                                ? ports.contains(port.getIntVal())
                                : portNames.contains(port.getStrVal()));
                if (!known) {
                    problems.add(where + ": probe on port " + port + ", which the container does not declare");
                }
                if (get.getScheme() != null && !Set.of("HTTP", "HTTPS").contains(get.getScheme())) {
                    problems.add(where + ": probe scheme '" + get.getScheme() + "' (HTTP or HTTPS)");
                }
            }
        }
        if (c.getResources() != null && c.getResources().getLimits() != null) {
            Map<String, Quantity> limits = c.getResources().getLimits();
            Map<String, Quantity> requests = c.getResources().getRequests() == null
                    ? Map.of()
                    : c.getResources().getRequests();
            requests.forEach((resource, request) -> {
                Quantity limit = limits.get(resource);
                if (limit != null && request.getNumericalAmount().compareTo(limit.getNumericalAmount()) > 0) {
                    problems.add(where + ": " + resource + " request " + request + " above its limit " + limit);
                }
            });
        }
    }

    private static void env(EnvVar e, List<String> earlier, String where, List<String> problems) {
        if (e.getName() == null || !ENV_NAME.matcher(e.getName()).matches()) {
            problems.add(where + ": env name '" + e.getName() + "'");
        }
        if (earlier.contains(e.getName())) {
            problems.add(where + ": env " + e.getName() + " set twice");
        }
        if (e.getValue() != null && e.getValueFrom() != null) {
            problems.add(where + ": env " + e.getName() + " has both value and valueFrom");
        }
        if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
            String path = e.getValueFrom().getFieldRef().getFieldPath();
            if (path == null || !FIELD_PATH.matcher(path).matches()) {
                problems.add(where + ": env " + e.getName() + ": the downward API has no field '" + path + "'");
            }
        }
        if (e.getValue() != null) {
            // Kubernetes expands $(NAME) only for a variable set earlier in the list, and silently
            // leaves the text as it is otherwise
            Matcher reference = VARIABLE_REFERENCE.matcher(e.getValue().replace("$$", ""));
            while (reference.find()) {
                if (!earlier.contains(reference.group(1))) {
                    problems.add(where + ": env " + e.getName() + " refers to $(" + reference.group(1)
                            + "), which is not set before it: it would stay as it is");
                }
            }
        }
    }
}
