package dev.registrycache.supervisor;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of Kubernetes files read as one installation: every file valid on its own ({@link
 * KubernetesManifests}), and the references between them right, as only a cluster running them would
 * otherwise tell: Services, the PodDisruptionBudget and the Route select or name what exists (a
 * selector that matches no pod is accepted by the API server and serves nothing), ports resolve to
 * the containers' ports, claims and Secrets exist with the keys the pods read (mounted or as env
 * values), and every claim is mounted by some pod. {@link
 * KubernetesScaleOutRules} adds what registry-cache itself needs of its pods.
 */
final class KubernetesManifestFolder {
    private KubernetesManifestFolder() {}

    /** The objects of a folder's files, and what the checks need to find among them. */
    record Contents(List<HasMetadata> objects) {
        <T extends HasMetadata> List<T> all(Class<T> kind) {
            return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
        }

        <T extends HasMetadata> Optional<T> named(Class<T> kind, String name) {
            return all(kind).stream()
                    .filter(o -> o.getMetadata().getName().equals(name))
                    .findFirst();
        }

        /** The pods the objects make: a Deployment's replicas, a CronJob's runs. */
        List<Workload> workloads() {
            List<Workload> out = new ArrayList<>();
            for (Deployment d : all(Deployment.class)) {
                var template = d.getSpec().getTemplate();
                int replicas =
                        d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
                out.add(new Workload(
                        "Deployment " + d.getMetadata().getName(),
                        d,
                        replicas,
                        KubernetesObjectRules.podLabels(template),
                        template.getSpec()));
            }
            for (CronJob cj : all(CronJob.class)) {
                var template = cj.getSpec().getJobTemplate().getSpec().getTemplate();
                out.add(new Workload(
                        "CronJob " + cj.getMetadata().getName(),
                        cj,
                        1,
                        KubernetesObjectRules.podLabels(template),
                        template.getSpec()));
            }
            return out;
        }

        /**
         * Secrets the pods mount or take env values from that no file defines: they are made by hand
         * (kubectl create secret).
         */
        Set<String> secretsNotDefined() {
            Set<String> names = new TreeSet<>();
            for (Workload w : workloads()) {
                for (Volume v : w.pod().getVolumes()) {
                    if (v.getSecret() != null) {
                        names.add(v.getSecret().getSecretName());
                    }
                }
                for (Container c : w.containers()) {
                    for (EnvVar e : c.getEnv()) {
                        secretKeyRef(e).ifPresent(ref -> names.add(ref.getName()));
                    }
                }
            }
            names.removeIf(name -> named(Secret.class, name).isPresent());
            return names;
        }
    }

    /** Pods of one template: a Deployment's ({@code replicas} of them) or a CronJob's. */
    record Workload(String where, HasMetadata owner, int replicas, Map<String, String> labels, PodSpec pod) {
        boolean isDeployment() {
            return owner instanceof Deployment;
        }

        List<Container> containers() {
            return pod.getContainers();
        }

        Optional<Volume> volume(String name) {
            return pod.getVolumes().stream()
                    .filter(v -> v.getName().equals(name))
                    .findFirst();
        }
    }

    /** Where a file a container reads comes from: a volume, and the file's path inside it. */
    record FileSource(Volume volume, String path) {}

    /** Every {@code .yaml} file of the folder, each valid, all referring to one another rightly. */
    static Contents read(Path folder) throws IOException {
        return read(manifests(folder), folder.resolve("README.md"));
    }

    /** The {@code .yaml} files of a folder (not of its subfolders), in order. */
    static List<Path> manifests(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(f -> Files.isRegularFile(f)
                            && (f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")))
                    .sorted()
                    .toList();
        }
    }

    /**
     * The files of one installation (what its README applies, from one folder or several), each
     * valid, all referring to one another rightly; a Secret that none defines must be one {@code
     * readme} makes.
     */
    static Contents read(List<Path> files, Path readme) throws IOException {
        List<String> problems = new ArrayList<>();
        List<HasMetadata> objects = new ArrayList<>();
        for (Path file : files) {
            try {
                objects.addAll(KubernetesManifests.read(file));
            } catch (AssertionError e) {
                problems.add(e.getMessage());
            }
        }
        if (problems.isEmpty()) {
            Contents contents = new Contents(List.copyOf(objects));
            references(contents, problems);
            secretsMadeByHand(contents, readme, problems);
            KubernetesScaleOutRules.check(contents, problems);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
        return new Contents(List.copyOf(objects));
    }

    private static void references(Contents contents, List<String> problems) {
        Set<String> names = new HashSet<>();
        Set<String> namespaces = new HashSet<>();
        for (HasMetadata o : contents.objects()) {
            if (!names.add(o.getKind() + "/" + o.getMetadata().getName())) {
                problems.add(o.getKind() + " " + o.getMetadata().getName() + " defined twice");
            }
            namespaces.add(String.valueOf(o.getMetadata().getNamespace()));
        }
        if (namespaces.size() > 1) {
            problems.add("the objects name different namespaces " + namespaces + "; they refer to each other by"
                    + " name, within one namespace");
        }
        for (Service s : contents.all(Service.class)) {
            service(contents, s, problems);
        }
        for (PodDisruptionBudget pdb : contents.all(PodDisruptionBudget.class)) {
            disruptionBudget(contents, pdb, problems);
        }
        for (Workload w : contents.workloads()) {
            volumes(contents, w, problems);
            secretValues(contents, w, problems);
        }
        for (PersistentVolumeClaim pvc : contents.all(PersistentVolumeClaim.class)) {
            if (contents.workloads().stream()
                    .noneMatch(w -> claims(w, pvc.getMetadata().getName()))) {
                problems.add("PersistentVolumeClaim " + pvc.getMetadata().getName() + ": no pod mounts it");
            }
        }
        for (Route r : contents.all(Route.class)) {
            route(contents, r, problems);
        }
    }

    /**
     * A Secret the pods mount that no file defines must be one the folder's README.md makes ({@code
     * kubectl create secret <type> <name>}): a misspelt name is otherwise only found by a pod that
     * never starts.
     */
    private static void secretsMadeByHand(Contents contents, Path readme, List<String> problems) throws IOException {
        String text = Files.isRegularFile(readme) ? Files.readString(readme) : "";
        for (String name : contents.secretsNotDefined()) {
            if (!Pattern.compile("kubectl create secret \\S+ " + Pattern.quote(name) + "\\s")
                    .matcher(text)
                    .find()) {
                problems.add("Secret " + name + " is mounted, but neither a file here defines it nor README.md makes it"
                        + " (kubectl create secret generic " + name + " ...)");
            }
        }
    }

    /** The Deployments whose pods the selector picks, and the CronJobs' (which serve nothing). */
    static List<Workload> selected(Contents contents, Map<String, String> selector) {
        return contents.workloads().stream()
                .filter(w -> selector != null
                        && !selector.isEmpty()
                        && w.labels().entrySet().containsAll(selector.entrySet()))
                .toList();
    }

    private static void service(Contents contents, Service s, List<String> problems) {
        String where = "Service " + s.getMetadata().getName();
        List<Workload> pods = selected(contents, s.getSpec().getSelector());
        if (pods.stream().noneMatch(Workload::isDeployment)) {
            problems.add(where + ": selector " + s.getSpec().getSelector() + " selects no Deployment's pods");
        }
        for (Workload w : pods) {
            if (!w.isDeployment()) {
                problems.add(where + ": selects the pods of " + w.where() + ", which serve nothing");
                continue;
            }
            for (ServicePort p : s.getSpec().getPorts()) {
                IntOrString target = p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort());
                if (containerPort(w, target).isEmpty()) {
                    problems.add(where + ": port " + p.getPort() + " targets " + target.getValue() + ", which "
                            + w.where() + " does not declare");
                }
            }
        }
    }

    /** The container port a Service's targetPort (a number or a port's name) reaches in the pods. */
    static Optional<ContainerPort> containerPort(Workload w, IntOrString target) {
        return w.containers().stream()
                .flatMap(c -> c.getPorts().stream())
                .filter(p -> target.getIntVal() != null
                        ? target.getIntVal().equals(p.getContainerPort())
                        : target.getStrVal().equals(p.getName()))
                .findFirst();
    }

    private static void disruptionBudget(Contents contents, PodDisruptionBudget pdb, List<String> problems) {
        String where = "PodDisruptionBudget " + pdb.getMetadata().getName();
        List<Workload> pods = selected(contents, pdb.getSpec().getSelector().getMatchLabels());
        if (pods.stream().noneMatch(Workload::isDeployment)) {
            problems.add(where + ": selector " + pdb.getSpec().getSelector().getMatchLabels()
                    + " selects no Deployment's pods");
        }
        for (Workload w : pods) {
            if (!w.isDeployment()) {
                problems.add(where + ": selects the pods of " + w.where());
                continue;
            }
            Integer min = pdb.getSpec().getMinAvailable() == null
                    ? null
                    : pdb.getSpec().getMinAvailable().getIntVal();
            Integer max = pdb.getSpec().getMaxUnavailable() == null
                    ? null
                    : pdb.getSpec().getMaxUnavailable().getIntVal();
            if ((min != null && min >= w.replicas()) || Integer.valueOf(0).equals(max)) {
                problems.add(where + ": with " + w.replicas() + " replicas of " + w.where()
                        + " no pod may ever be evicted: node drains would hang");
            }
        }
    }

    private static void volumes(Contents contents, Workload w, List<String> problems) {
        for (Volume v : w.pod().getVolumes()) {
            if (v.getPersistentVolumeClaim() != null) {
                String claim = v.getPersistentVolumeClaim().getClaimName();
                Optional<PersistentVolumeClaim> pvc = contents.named(PersistentVolumeClaim.class, claim);
                if (pvc.isEmpty()) {
                    problems.add(
                            w.where() + ": volume " + v.getName() + " claims " + claim + ", which no file defines");
                } else if (sharedByPods(contents, claim)
                        && !pvc.get().getSpec().getAccessModes().contains("ReadWriteMany")) {
                    problems.add("PersistentVolumeClaim " + claim + " is mounted by several pods, which may run on"
                            + " different nodes: it must be ReadWriteMany, not "
                            + pvc.get().getSpec().getAccessModes());
                }
            }
        }
        for (Container c : w.containers()) {
            for (VolumeMount m : c.getVolumeMounts()) {
                Volume v = w.volume(m.getName()).orElse(null);
                if (v == null || v.getSecret() == null) {
                    continue;
                }
                Optional<Secret> secret =
                        contents.named(Secret.class, v.getSecret().getSecretName());
                if (secret.isPresent() && m.getSubPath() != null) {
                    String key = secretKey(v, m.getSubPath());
                    if (key == null
                            || !KubernetesObjectRules.secretKeys(secret.get()).contains(key)) {
                        problems.add(w.where() + ": mounts " + m.getSubPath() + " of Secret "
                                + v.getSecret().getSecretName() + ", which has no such key");
                    }
                }
            }
        }
        for (Volume v : w.pod().getVolumes()) {
            if (v.getSecret() != null && v.getSecret().getItems() != null) {
                Optional<Secret> secret =
                        contents.named(Secret.class, v.getSecret().getSecretName());
                for (var item : v.getSecret().getItems()) {
                    if (secret.isPresent()
                            && !KubernetesObjectRules.secretKeys(secret.get()).contains(item.getKey())) {
                        problems.add(w.where() + ": volume " + v.getName() + " asks Secret "
                                + v.getSecret().getSecretName() + " for key " + item.getKey() + ", which it has not");
                    }
                }
            }
        }
    }

    /** Whether more than one pod mounts the claim: a Deployment's replicas, or several workloads. */
    private static boolean sharedByPods(Contents contents, String claim) {
        int pods = 0;
        for (Workload w : contents.workloads()) {
            pods += claims(w, claim) ? Math.max(w.replicas(), 1) : 0;
        }
        return pods > 1;
    }

    /** Whether the workload's pods have a volume of the claim. */
    private static boolean claims(Workload w, String claim) {
        return w.pod().getVolumes().stream()
                .anyMatch(v -> v.getPersistentVolumeClaim() != null
                        && claim.equals(v.getPersistentVolumeClaim().getClaimName()));
    }

    /** Env values taken from a Secret a file defines name a key it has. */
    private static void secretValues(Contents contents, Workload w, List<String> problems) {
        for (Container c : w.containers()) {
            for (EnvVar e : c.getEnv()) {
                Optional<SecretKeySelector> ref = secretKeyRef(e);
                Optional<Secret> secret = ref.flatMap(r -> contents.named(Secret.class, r.getName()));
                if (secret.isPresent()
                        && !KubernetesObjectRules.secretKeys(secret.get())
                                .contains(ref.get().getKey())) {
                    problems.add(w.where() + ": env " + e.getName() + " is key "
                            + ref.get().getKey() + " of Secret " + ref.get().getName() + ", which has no such key");
                }
            }
        }
    }

    /** The Secret and key an env var takes its value from, if it does. */
    static Optional<SecretKeySelector> secretKeyRef(EnvVar e) {
        return Optional.ofNullable(e.getValueFrom()).map(v -> v.getSecretKeyRef());
    }

    /** The Secret key a file of a secret volume holds: its items' mapping, or the key of that name. */
    static String secretKey(Volume v, String pathInVolume) {
        if (v.getSecret().getItems() == null || v.getSecret().getItems().isEmpty()) {
            return pathInVolume;
        }
        return v.getSecret().getItems().stream()
                .filter(i -> i.getPath().equals(pathInVolume))
                .map(i -> i.getKey())
                .findFirst()
                .orElse(null);
    }

    /** Which mount of the container provides the file at {@code file}, and where it is in the volume. */
    static Optional<FileSource> fileSource(Workload w, Container c, String file) {
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = w.volume(m.getName()).orElse(null);
            if (v == null) {
                continue;
            }
            if (m.getMountPath().equals(file)) {
                return Optional.of(new FileSource(v, Objects.requireNonNullElse(m.getSubPath(), "")));
            }
            String dir = m.getMountPath().endsWith("/") ? m.getMountPath() : m.getMountPath() + "/";
            if (file.startsWith(dir)) {
                String inMount = file.substring(dir.length());
                return Optional.of(
                        new FileSource(v, m.getSubPath() == null ? inMount : m.getSubPath() + "/" + inMount));
            }
        }
        return Optional.empty();
    }

    private static void route(Contents contents, Route r, List<String> problems) {
        String where = "Route " + r.getMetadata().getName();
        String name = r.getSpec().getTo().getName();
        Optional<Service> service = contents.named(Service.class, name);
        if (service.isEmpty()) {
            problems.add(where + ": leads to Service " + name + ", which no file defines");
            return;
        }
        if (r.getSpec().getPort() != null && r.getSpec().getPort().getTargetPort() != null) {
            IntOrString target = r.getSpec().getPort().getTargetPort();
            boolean known = service.get().getSpec().getPorts().stream()
                    .anyMatch(p -> target.getStrVal() != null
                            ? target.getStrVal().equals(p.getName())
                            : selected(contents, service.get().getSpec().getSelector()).stream()
                                    .map(w -> containerPort(
                                            w,
                                            p.getTargetPort() != null
                                                    ? p.getTargetPort()
                                                    : new IntOrString(p.getPort())))
                                    .flatMap(Optional::stream)
                                    .anyMatch(cp -> target.getIntVal().equals(cp.getContainerPort())));
            if (!known) {
                problems.add(where + ": port.targetPort " + target.getValue() + " is neither a port name of Service "
                        + name + " nor a port its pods serve");
            }
        }
    }
}
