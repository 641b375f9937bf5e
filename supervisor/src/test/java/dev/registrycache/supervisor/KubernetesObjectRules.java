package dev.registrycache.supervisor;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.Route;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules the API server applies to one object, for the fields our files use: names, selectors
 * matching the template, mounts naming declared volumes, one source per volume, ports in range and
 * named as Kubernetes names them, probes naming a port, env references that resolve, requests within
 * limits, the values an enumeration allows.
 */
final class KubernetesObjectRules {
    static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    /** A port's name (IANA_SVC_NAME): at most 15 characters, a letter among them, no "--", no '-' at an end. */
    static final Pattern PORT_NAME = Pattern.compile("(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?");

    private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Pattern CRON =
            Pattern.compile("@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\\S+\\s+){4}\\S+");

    private KubernetesObjectRules() {}

    static void check(HasMetadata object, String where, List<String> problems) {
        String name = object.getMetadata() == null ? null : object.getMetadata().getName();
        if (name == null || !DNS_1123_SUBDOMAIN.matcher(name).matches()) {
            problems.add(where + ": metadata.name '" + name + "' is not a DNS-1123 subdomain");
        }
        if (object instanceof Deployment d) {
            deployment(d, where, problems);
        } else if (object instanceof Service s) {
            service(s, where, problems);
        } else if (object instanceof PersistentVolumeClaim pvc) {
            persistentVolumeClaim(pvc, where, problems);
        } else if (object instanceof Secret s) {
            secret(s, where, problems);
        } else if (object instanceof PodDisruptionBudget pdb) {
            podDisruptionBudget(pdb, where, problems);
        } else if (object instanceof CronJob cj) {
            cronJob(cj, where, problems);
        } else if (object instanceof Route r) {
            route(r, where, problems);
        }
    }

    private static void deployment(Deployment d, String where, List<String> problems) {
        if (d.getSpec() == null
                || d.getSpec().getTemplate() == null
                || d.getSpec().getSelector() == null) {
            problems.add(where + ": spec.selector and spec.template are required");
            return;
        }
        Map<String, String> selector = d.getSpec().getSelector().getMatchLabels();
        Map<String, String> labels = podLabels(d.getSpec().getTemplate());
        if (selector == null || selector.isEmpty() || !labels.entrySet().containsAll(selector.entrySet())) {
            problems.add(
                    where + ": spec.selector.matchLabels " + selector + " must match the template's labels " + labels);
        }
        if (d.getSpec().getReplicas() != null && d.getSpec().getReplicas() < 0) {
            problems.add(where + ": spec.replicas is negative");
        }
        var strategy = d.getSpec().getStrategy();
        if (strategy != null) {
            String type = strategy.getType() == null ? "RollingUpdate" : strategy.getType();
            if (!Set.of("RollingUpdate", "Recreate").contains(type)
                    || (type.equals("Recreate") && strategy.getRollingUpdate() != null)) {
                problems.add(where + ": strategy " + type + " (RollingUpdate or Recreate; rollingUpdate only with the"
                        + " first)");
            }
            var rolling = strategy.getRollingUpdate();
            if (rolling != null && isZero(rolling.getMaxSurge()) && isZero(rolling.getMaxUnavailable())) {
                problems.add(where + ": rollingUpdate maxSurge and maxUnavailable may not both be 0");
            }
        }
        KubernetesPodRules.check(d.getSpec().getTemplate().getSpec(), Set.of("Always"), where, problems);
    }

    private static boolean isZero(IntOrString value) {
        return value != null && (Integer.valueOf(0).equals(value.getIntVal()) || "0%".equals(value.getStrVal()));
    }

    /** The labels of a pod template; none when it has no metadata. */
    static Map<String, String> podLabels(PodTemplateSpec template) {
        return template == null
                        || template.getMetadata() == null
                        || template.getMetadata().getLabels() == null
                ? Map.of()
                : template.getMetadata().getLabels();
    }

    private static void service(Service s, String where, List<String> problems) {
        var spec = s.getSpec();
        if (spec == null) {
            problems.add(where + ": spec is required");
            return;
        }
        String type = spec.getType() == null ? "ClusterIP" : spec.getType();
        if (!Set.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName").contains(type)) {
            problems.add(where + ": type " + type);
        }
        if ("None".equals(spec.getClusterIP()) && !type.equals("ClusterIP")) {
            problems.add(where + ": clusterIP None (headless) goes with type ClusterIP only");
        }
        List<ServicePort> ports = spec.getPorts();
        if (ports.isEmpty() && !type.equals("ExternalName")) {
            problems.add(where + ": a Service needs ports");
        }
        Set<String> names = new HashSet<>();
        for (ServicePort p : ports) {
            if (p.getPort() == null || p.getPort() < 1 || p.getPort() > 65535) {
                problems.add(where + ": port " + p.getPort() + " out of range");
            }
            if (ports.size() > 1 && p.getName() == null) {
                problems.add(where + ": a Service with several ports names each");
            }
            if (p.getName() != null && (!DNS_1123_LABEL.matcher(p.getName()).matches() || !names.add(p.getName()))) {
                problems.add(where + ": port name '" + p.getName() + "' repeated or not a DNS-1123 label");
            }
            IntOrString target = p.getTargetPort();
            if (target != null
                    && (target.getIntVal() != null
                            ? target.getIntVal() < 1 || target.getIntVal() > 65535
                            : !PORT_NAME.matcher(target.getStrVal()).matches())) {
                problems.add(where + ": targetPort " + target.getValue() + " is neither a port nor a port name");
            }
            if (p.getProtocol() != null && !Set.of("TCP", "UDP", "SCTP").contains(p.getProtocol())) {
                problems.add(where + ": protocol " + p.getProtocol());
            }
        }
    }

    private static void persistentVolumeClaim(PersistentVolumeClaim pvc, String where, List<String> problems) {
        var spec = pvc.getSpec();
        if (spec == null || spec.getAccessModes().isEmpty()) {
            problems.add(where + ": spec.accessModes is required");
            return;
        }
        for (String mode : spec.getAccessModes()) {
            if (!Set.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
                    .contains(mode)) {
                problems.add(where + ": access mode " + mode);
            }
        }
        Quantity storage = storage(pvc);
        if (storage == null || storage.getNumericalAmount().signum() <= 0) {
            problems.add(where + ": spec.resources.requests.storage is required");
        }
    }

    /** What the claim asks for; null when it says nothing. */
    static Quantity storage(PersistentVolumeClaim pvc) {
        var resources = pvc.getSpec() == null ? null : pvc.getSpec().getResources();
        return resources == null || resources.getRequests() == null
                ? null
                : resources.getRequests().get("storage");
    }

    private static void secret(Secret s, String where, List<String> problems) {
        Map<String, String> data = s.getData() == null ? Map.of() : s.getData();
        Map<String, String> stringData = s.getStringData() == null ? Map.of() : s.getStringData();
        for (String key : secretKeys(s)) {
            if (!SECRET_KEY.matcher(key).matches()) {
                problems.add(where + ": key '" + key + "' (letters, digits, '-', '_', '.')");
            }
            if (data.containsKey(key) && stringData.containsKey(key)) {
                problems.add(where + ": key " + key + " in both data and stringData");
            }
        }
        data.forEach((key, value) -> {
            try {
                Base64.getDecoder().decode(value);
            } catch (IllegalArgumentException e) {
                problems.add(where + ": data." + key + " is not base64 (stringData takes plain text)");
            }
        });
    }

    /** The value of a Secret's key as a pod reads it: stringData's text, or data's decoded; empty if it has no such key. */
    static Optional<String> secretValue(Secret s, String key) {
        if (s.getStringData() != null && s.getStringData().containsKey(key)) {
            return Optional.of(s.getStringData().get(key));
        }
        if (s.getData() != null && s.getData().containsKey(key)) {
            return Optional.of(new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8));
        }
        return Optional.empty();
    }

    /** The keys of a Secret, in data and stringData. */
    static Set<String> secretKeys(Secret s) {
        Set<String> keys = new HashSet<>();
        if (s.getData() != null) {
            keys.addAll(s.getData().keySet());
        }
        if (s.getStringData() != null) {
            keys.addAll(s.getStringData().keySet());
        }
        return keys;
    }

    private static void podDisruptionBudget(PodDisruptionBudget pdb, String where, List<String> problems) {
        var spec = pdb.getSpec();
        if (spec == null || (spec.getMinAvailable() == null) == (spec.getMaxUnavailable() == null)) {
            problems.add(where + ": exactly one of minAvailable and maxUnavailable");
            return;
        }
        if (!hasLabels(spec.getSelector())) {
            problems.add(where + ": spec.selector.matchLabels is required");
        }
        for (IntOrString value : new IntOrString[] {spec.getMinAvailable(), spec.getMaxUnavailable()}) {
            if (value != null
                    && (value.getIntVal() != null
                            ? value.getIntVal() < 0
                            : !value.getStrVal().matches("(100|[1-9]?[0-9])%"))) {
                problems.add(where + ": " + value.getValue() + " is neither a count nor a percentage");
            }
        }
        if (spec.getUnhealthyPodEvictionPolicy() != null
                && !Set.of("IfHealthyBudget", "AlwaysAllow").contains(spec.getUnhealthyPodEvictionPolicy())) {
            problems.add(where + ": unhealthyPodEvictionPolicy " + spec.getUnhealthyPodEvictionPolicy());
        }
    }

    static boolean hasLabels(LabelSelector selector) {
        return selector != null
                && selector.getMatchLabels() != null
                && !selector.getMatchLabels().isEmpty();
    }

    private static void cronJob(CronJob cj, String where, List<String> problems) {
        var spec = cj.getSpec();
        if (spec == null
                || spec.getJobTemplate() == null
                || spec.getJobTemplate().getSpec() == null
                || spec.getJobTemplate().getSpec().getTemplate() == null) {
            problems.add(where + ": spec.jobTemplate.spec.template is required");
            return;
        }
        if (spec.getSchedule() == null
                || !CRON.matcher(spec.getSchedule().trim()).matches()) {
            problems.add(where + ": schedule '" + spec.getSchedule() + "' is not a cron schedule");
        }
        if (spec.getConcurrencyPolicy() != null
                && !Set.of("Allow", "Forbid", "Replace").contains(spec.getConcurrencyPolicy())) {
            problems.add(where + ": concurrencyPolicy " + spec.getConcurrencyPolicy());
        }
        KubernetesPodRules.check(
                spec.getJobTemplate().getSpec().getTemplate().getSpec(), Set.of("OnFailure", "Never"), where, problems);
    }

    private static void route(Route r, String where, List<String> problems) {
        var spec = r.getSpec();
        if (spec == null || spec.getTo() == null || spec.getTo().getName() == null) {
            problems.add(where + ": spec.to.name is required");
            return;
        }
        if (spec.getTo().getKind() != null && !spec.getTo().getKind().equals("Service")) {
            problems.add(where + ": spec.to.kind " + spec.getTo().getKind() + " (Service)");
        }
        if (spec.getHost() != null
                && !DNS_1123_SUBDOMAIN.matcher(spec.getHost()).matches()) {
            problems.add(where + ": host '" + spec.getHost() + "' is not a DNS name");
        }
        var tls = spec.getTls();
        if (tls != null) {
            String termination = tls.getTermination();
            if (!Set.of("edge", "passthrough", "reencrypt").contains(String.valueOf(termination))) {
                problems.add(where + ": tls.termination " + termination + " (edge, passthrough or reencrypt)");
            }
            if ("passthrough".equals(termination)
                    && (tls.getCertificate() != null
                            || tls.getKey() != null
                            || tls.getCaCertificate() != null
                            || tls.getDestinationCACertificate() != null)) {
                problems.add(where + ": passthrough carries no certificate or key: the pod terminates TLS");
            }
            String insecure = tls.getInsecureEdgeTerminationPolicy();
            if (insecure != null
                    && !(("passthrough".equals(termination)
                                    ? Set.of("", "None", "Redirect")
                                    : Set.of("", "None", "Allow", "Redirect"))
                            .contains(insecure))) {
                problems.add(where + ": insecureEdgeTerminationPolicy " + insecure + " with " + termination);
            }
        }
        if (spec.getWildcardPolicy() != null && !Set.of("None", "Subdomain").contains(spec.getWildcardPolicy())) {
            problems.add(where + ": wildcardPolicy " + spec.getWildcardPolicy());
        }
    }
}
