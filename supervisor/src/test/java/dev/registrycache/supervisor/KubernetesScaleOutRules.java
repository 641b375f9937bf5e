package dev.registrycache.supervisor;

import dev.registrycache.common.settings.ByteSize;
import dev.registrycache.common.settings.Setting;
import dev.registrycache.supervisor.KubernetesManifestFolder.Contents;
import dev.registrycache.supervisor.KubernetesManifestFolder.FileSource;
import dev.registrycache.supervisor.KubernetesManifestFolder.Workload;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.openshift.api.model.Route;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * What registry-cache needs of the pods of a scale-out installation (docker/kubernetes/), besides
 * valid objects that refer to each other rightly: the image's user and a read-only root with a
 * writable /tmp; env names the product reads; the datastore on the shared claim, large enough for
 * the cleaner's bounds, or in a bucket ({@link KubernetesS3Rules}), and the logs on each pod's own
 * volume; probes on /healthz over the scheme the gateway serves; the peers' settings agreeing with
 * the ports and the headless Service that lists them; the pods that clean one store bounding it
 * alike, a cleaner CronJob like the replicas' cleaner.
 */
final class KubernetesScaleOutRules {
    /** The image's user and group (docker/Containerfile). */
    static final long IMAGE_UID = 1001;
    /** The defaults of PEER_PORT and PEER_SECRET_FILE (issue 15), for pods that leave them unset. */
    static final String DEFAULT_PEER_PORT = "5443";

    static final String DEFAULT_PEER_SECRET_FILE = "/peer/secret";
    /** The pod's address among the peers (downward API), which the product reads besides its {@link Setting}s. */
    static final String POD_IP = "POD_IP";
    /** The container port the peers' headless Service reaches. */
    static final String PEER_PORT_NAME = "peers";
    /** How long the supervisor gives the gateway to stop: transfers in flight finish, then it exits. */
    static final long TRANSFER_GRACE_SECONDS = Supervisor.SERVER_GRACE.toSeconds();
    /** The least time a liveness probe should give a pod before it is restarted (JVM starts, node restarts). */
    static final int LIVENESS_PATIENCE_SECONDS = 60;

    private KubernetesScaleOutRules() {}

    static void check(Contents contents, List<String> problems) {
        Set<String> images = new HashSet<>();
        for (Workload w : contents.workloads()) {
            pod(w, problems);
            for (Container c : w.containers()) {
                images.add(c.getImage());
                container(contents, w, c, problems);
            }
        }
        if (images.size() > 1) {
            problems.add("the pods run different images " + images + "; the cleaner must be the replicas' own");
        }
        cleaning(contents, problems);
        for (Service s : contents.all(Service.class)) {
            peerPortExposed(contents, s, problems);
        }
        for (Route r : contents.all(Route.class)) {
            String termination =
                    r.getSpec().getTls() == null ? null : r.getSpec().getTls().getTermination();
            if (!"passthrough".equals(termination) && !"reencrypt".equals(termination)) {
                problems.add("Route " + r.getMetadata().getName() + ": the gateway serves TLS; the route must pass"
                        + " it through (or re-encrypt), not " + termination);
            }
        }
    }

    /** The peer port is plain HTTP for the replicas only: no Service but the headless one lists it. */
    private static void peerPortExposed(Contents contents, Service s, List<String> problems) {
        if ("None".equals(s.getSpec().getClusterIP())) {
            return;
        }
        for (Workload w :
                KubernetesManifestFolder.selected(contents, s.getSpec().getSelector())) {
            for (var p : s.getSpec().getPorts()) {
                var target = p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort());
                var port = KubernetesManifestFolder.containerPort(w, target);
                if (port.isPresent() && PEER_PORT_NAME.equals(port.get().getName())) {
                    problems.add("Service " + s.getMetadata().getName() + " exposes the peer port (plain HTTP,"
                            + " for the replicas only); only the headless peers' Service may list it");
                }
            }
        }
    }

    private static void pod(Workload w, List<String> problems) {
        var security = w.pod().getSecurityContext();
        if (security == null
                || !Objects.equals(security.getRunAsUser(), IMAGE_UID)
                || !Objects.equals(security.getRunAsGroup(), IMAGE_UID)
                || !Boolean.TRUE.equals(security.getRunAsNonRoot())) {
            problems.add(w.where() + ": the pod runs as the image's user: runAsUser and runAsGroup " + IMAGE_UID
                    + ", runAsNonRoot true");
        }
        if (security != null && security.getFsGroup() != null && security.getFsGroup() != IMAGE_UID) {
            problems.add(w.where() + ": fsGroup " + security.getFsGroup() + " is not the image's group");
        }
        if (w.isDeployment()) {
            long grace = w.pod().getTerminationGracePeriodSeconds() == null
                    ? 30
                    : w.pod().getTerminationGracePeriodSeconds();
            if (grace <= TRANSFER_GRACE_SECONDS) {
                problems.add(w.where() + ": terminationGracePeriodSeconds " + grace + " cuts the "
                        + TRANSFER_GRACE_SECONDS + " s the supervisor gives transfers in flight");
            }
        }
    }

    private static void container(Contents contents, Workload w, Container c, List<String> problems) {
        String where = w.where() + " container " + c.getName();
        var security = c.getSecurityContext();
        if (security == null
                || !Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())
                || !Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())
                || security.getCapabilities() == null
                || !security.getCapabilities().getDrop().contains("ALL")) {
            problems.add(where + ": readOnlyRootFilesystem true, allowPrivilegeEscalation false and capabilities"
                    + " drop ALL");
        }
        if (security != null && security.getRunAsUser() != null && security.getRunAsUser() != IMAGE_UID) {
            problems.add(where + ": runAsUser " + security.getRunAsUser() + " is not the image's user");
        }
        Map<String, String> env = literalEnv(c);
        Optional<FileSource> tmp = KubernetesManifestFolder.fileSource(w, c, "/tmp/x");
        if (tmp.isEmpty() || tmp.get().volume().getEmptyDir() == null) {
            problems.add(where + ": the root is read-only, so /tmp (the JVMs' hsperfdata and temporary files) needs an"
                    + " emptyDir");
        }
        knownNames(c, where, problems);
        KubernetesS3Rules.check(contents, w, c, problems);
        String dataDir = Setting.DATA_DIR.resolve(null, env);
        Optional<FileSource> data = KubernetesManifestFolder.fileSource(w, c, dataDir + "/x");
        if (!KubernetesS3Rules.onS3(c) && (data.isEmpty() || data.get().volume().getPersistentVolumeClaim() == null)) {
            problems.add(where + ": DATA_DIR " + dataDir + " must be the shared claim's mount (or set S3_BUCKET)");
        }
        if (!w.isDeployment()) {
            return;
        }
        String logDir = Setting.LOG_DIR.resolve(null, env);
        Optional<FileSource> logs = KubernetesManifestFolder.fileSource(w, c, logDir + "/x");
        if (logs.isEmpty() || logs.get().volume().getPersistentVolumeClaim() != null) {
            problems.add(where + ": LOG_DIR " + logDir + " must be the pod's own volume (an emptyDir): replicas"
                    + " writing the same access logs would garble them");
        }
        requiredFile(w, c, Setting.PULL_SECRET.resolve(null, env), "PULL_SECRET", problems);
        if ("htpasswd".equals(env.get("REGISTRY_AUTH"))) {
            requiredFile(
                    w,
                    c,
                    Setting.REGISTRY_AUTH_HTPASSWD_PATH.resolve(null, env),
                    "REGISTRY_AUTH_HTPASSWD_PATH",
                    problems);
        }
        boolean tls = KubernetesManifestFolder.fileSource(w, c, Setting.CERTS.resolve(null, env))
                .isPresent();
        probes(w, c, env, tls, problems);
        peers(contents, w, c, env, problems);
    }

    /**
     * Every env var is one the product reads ({@link Setting}, and POD_IP) or one that another of the
     * container's values refers to ({@code $(POD_NAMESPACE)}): a misspelt name is otherwise ignored
     * without a word, and its default used.
     */
    private static void knownNames(Container c, String where, List<String> problems) {
        Set<String> known = new HashSet<>(List.of(POD_IP));
        for (Setting s : Setting.values()) {
            if (s.env() != null) {
                known.add(s.env());
            }
        }
        List<String> values = new ArrayList<>(c.getCommand());
        values.addAll(c.getArgs());
        c.getEnv().stream().map(EnvVar::getValue).filter(Objects::nonNull).forEach(values::add);
        for (String value : values) {
            Matcher reference = KubernetesPodRules.VARIABLE_REFERENCE.matcher(value);
            while (reference.find()) {
                known.add(reference.group(1));
            }
        }
        for (EnvVar e : c.getEnv()) {
            if (!known.contains(e.getName())) {
                problems.add(where + ": env " + e.getName() + " is no setting of registry-cache (Setting lists them),"
                        + " nor does another value refer to it");
            }
        }
    }

    /** The env vars with a value of their own (valueFrom ones are left out), as the programs read them. */
    static Map<String, String> literalEnv(Container c) {
        Map<String, String> env = new HashMap<>();
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            }
        }
        return env;
    }

    private static void requiredFile(Workload w, Container c, String file, String setting, List<String> problems) {
        if (KubernetesManifestFolder.fileSource(w, c, file).isEmpty()) {
            problems.add(w.where() + ": " + setting + " " + file + " comes from no volume");
        }
    }

    private static void probes(Workload w, Container c, Map<String, String> env, boolean tls, List<String> problems) {
        String where = w.where() + " container " + c.getName();
        String port = Setting.PORT.resolve(null, env);
        for (var named : List.of(
                Map.entry("readinessProbe", Optional.ofNullable(c.getReadinessProbe())),
                Map.entry("livenessProbe", Optional.ofNullable(c.getLivenessProbe())))) {
            var get = named.getValue().map(Probe::getHttpGet).orElse(null);
            String scheme = get == null || get.getScheme() == null ? "HTTP" : get.getScheme();
            var target = get == null ? null : KubernetesManifestFolder.containerPort(w, get.getPort());
            if (get == null
                    || !"/healthz".equals(get.getPath())
                    || target.isEmpty()
                    || !port.equals(String.valueOf(target.get().getContainerPort()))
                    || !scheme.equals(tls ? "HTTPS" : "HTTP")) {
                problems.add(where + ": " + named.getKey() + " must be GET /healthz on PORT " + port + " over "
                        + (tls ? "HTTPS (a certificate is mounted)" : "HTTP (no certificate is mounted)"));
            }
        }
        Probe liveness = c.getLivenessProbe();
        if (liveness != null) {
            int patience = Objects.requireNonNullElse(liveness.getInitialDelaySeconds(), 0)
                    + Objects.requireNonNullElse(liveness.getPeriodSeconds(), 10)
                            * Objects.requireNonNullElse(liveness.getFailureThreshold(), 3);
            if (patience < LIVENESS_PATIENCE_SECONDS) {
                problems.add(where + ": the liveness probe restarts a pod after " + patience + " s; give it at least "
                        + LIVENESS_PATIENCE_SECONDS + " s");
            }
        }
    }

    private static void peers(
            Contents contents, Workload w, Container c, Map<String, String> env, List<String> problems) {
        String where = w.where() + " container " + c.getName();
        String peers = env.get("PEERS");
        if (peers == null) {
            if (w.replicas() > 1) {
                problems.add(where + ": " + w.replicas() + " replicas without PEERS: each would fetch every blob"
                        + " from the upstream itself");
            }
            return;
        }
        String peerPort = env.getOrDefault("PEER_PORT", DEFAULT_PEER_PORT);
        var declared = c.getPorts().stream()
                .filter(p -> PEER_PORT_NAME.equals(p.getName()))
                .findFirst();
        if (declared.isEmpty() || !peerPort.equals(String.valueOf(declared.get().getContainerPort()))) {
            problems.add(where + ": PEER_PORT " + peerPort + " must be the container port named " + PEER_PORT_NAME);
        }
        EnvVar podIp = c.getEnv().stream()
                .filter(e -> e.getName().equals(POD_IP))
                .findFirst()
                .orElse(null);
        if (podIp == null
                || podIp.getValueFrom() == null
                || podIp.getValueFrom().getFieldRef() == null
                || !"status.podIP".equals(podIp.getValueFrom().getFieldRef().getFieldPath())) {
            problems.add(where + ": POD_IP must come from the downward API, fieldRef status.podIP");
        }
        secretFile(
                contents,
                w,
                c,
                "PEER_SECRET_FILE",
                env.getOrDefault("PEER_SECRET_FILE", DEFAULT_PEER_SECRET_FILE),
                problems);
        if (peers.startsWith("dns:")) {
            peersService(contents, w, c, peers.substring(4), peerPort, problems);
        } else if (!peers.matches("[^,:\\s]+:\\d+(,[^,:\\s]+:\\d+)*")) {
            problems.add(where + ": PEERS '" + peers + "' is neither dns:<name> nor host:port,host:port");
        }
    }

    /** A file of secrets the setting names comes from a Secret volume, of a key the Secret has if a file defines it. */
    static void secretFile(
            Contents contents, Workload w, Container c, String setting, String file, List<String> problems) {
        String where = w.where() + " container " + c.getName();
        Optional<FileSource> secret = KubernetesManifestFolder.fileSource(w, c, file);
        if (secret.isEmpty() || secret.get().volume().getSecret() == null) {
            problems.add(where + ": " + setting + " " + file + " must come from a Secret volume");
            return;
        }
        Volume v = secret.get().volume();
        var defined = contents.named(Secret.class, v.getSecret().getSecretName());
        String key = KubernetesManifestFolder.secretKey(v, secret.get().path());
        if (defined.isPresent()
                && (key == null
                        || !KubernetesObjectRules.secretKeys(defined.get()).contains(key))) {
            problems.add(where + ": " + setting + " " + file + " is key " + key + " of Secret "
                    + v.getSecret().getSecretName() + ", which has no such key");
        }
    }

    /** PEERS=dns:NAME: NAME is the headless Service that lists this Deployment's ready pods on PEER_PORT. */
    private static void peersService(
            Contents contents, Workload w, Container c, String host, String peerPort, List<String> problems) {
        String where = w.where() + " container " + c.getName() + ": PEERS dns:" + host;
        String[] labels = host.split("\\.");
        if (labels.length > 1) {
            String namespace = labels[1];
            Matcher reference = KubernetesPodRules.VARIABLE_REFERENCE.matcher(namespace);
            boolean fromPod = reference.matches()
                    && c.getEnv().stream()
                            .anyMatch(e -> e.getName().equals(reference.group(1))
                                    && e.getValueFrom() != null
                                    && e.getValueFrom().getFieldRef() != null
                                    && "metadata.namespace"
                                            .equals(e.getValueFrom()
                                                    .getFieldRef()
                                                    .getFieldPath()));
            String declared = w.owner().getMetadata().getNamespace();
            if (!(fromPod || namespace.equals(declared)) || (labels.length > 2 && !labels[2].equals("svc"))) {
                problems.add(where + ": <service>.<namespace>.svc..., with the pod's own namespace (fieldRef"
                        + " metadata.namespace)");
            }
        }
        Optional<Service> service = contents.named(Service.class, labels[0]);
        if (service.isEmpty()) {
            problems.add(where + ": no file defines Service " + labels[0]);
            return;
        }
        Service s = service.get();
        if (!"None".equals(s.getSpec().getClusterIP())) {
            problems.add(where + ": Service " + labels[0] + " must be headless (clusterIP: None): its name must"
                    + " resolve to every pod's address, not to one virtual IP");
        }
        if (Boolean.TRUE.equals(s.getSpec().getPublishNotReadyAddresses())) {
            problems.add(where + ": Service " + labels[0] + " publishes pods that are not ready; blobs would be"
                    + " forwarded to replicas that cannot serve them");
        }
        if (!KubernetesManifestFolder.selected(contents, s.getSpec().getSelector())
                .contains(w)) {
            problems.add(where + ": Service " + labels[0] + " does not select this Deployment's pods");
        }
        boolean port = s.getSpec().getPorts().stream()
                .map(p -> p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort()))
                .map(t -> KubernetesManifestFolder.containerPort(w, t))
                .flatMap(Optional::stream)
                .anyMatch(p -> peerPort.equals(String.valueOf(p.getContainerPort())));
        if (!port) {
            problems.add(where + ": Service " + labels[0] + " has no port reaching PEER_PORT " + peerPort);
        }
    }

    /** The claim holds what the cleaner of {@code w} lets the store grow to. */
    private static void claimHolds(
            Contents contents, String claim, String max, String threshold, Workload w, List<String> problems) {
        var storage = contents.named(PersistentVolumeClaim.class, claim)
                .map(KubernetesObjectRules::storage)
                .orElse(null);
        if (storage == null) {
            return;
        }
        BigDecimal most = BigDecimal.valueOf(ByteSize.parseStoreLimit(max).bytes())
                .multiply(BigDecimal.valueOf(100 + Integer.parseInt(threshold)))
                .divide(BigDecimal.valueOf(100));
        if (storage.getNumericalAmount().compareTo(most) < 0) {
            problems.add("PersistentVolumeClaim " + claim + ": " + storage + " is less than the " + max + " +"
                    + threshold + "% the store may grow to before " + w.where() + " cleans it");
        }
    }

    /**
     * The pods that clean one store (a claim, or a bucket and prefix) bound it alike, and the store's
     * claim holds what they let it grow to.
     */
    private static void cleaning(Contents contents, List<String> problems) {
        Map<String, String> boundsByStore = new HashMap<>();
        for (Workload w : contents.workloads()) {
            for (Container c : w.containers()) {
                Map<String, String> env = literalEnv(c);
                var data = KubernetesManifestFolder.fileSource(w, c, Setting.DATA_DIR.resolve(null, env) + "/x");
                String claim = data.map(d -> d.volume().getPersistentVolumeClaim())
                        .map(pvc -> pvc.getClaimName())
                        .orElse(null);
                String store = KubernetesS3Rules.onS3(c)
                        ? "bucket " + env.get(Setting.S3_BUCKET.env()) + "/"
                                + Objects.requireNonNullElse(env.get(Setting.S3_PREFIX.env()), "")
                        : claim == null ? null : "claim " + claim;
                if (store == null) {
                    continue;
                }
                String max = Setting.CLEANER_MAXSIZE.resolve(null, env);
                String threshold = Setting.CLEANER_THRESHOLD_PERCENTAGE.resolve(null, env);
                String bounds = max + " +" + threshold + "%";
                String before = boundsByStore.putIfAbsent(store, bounds);
                if (before != null && !before.equals(bounds)) {
                    problems.add(w.where() + ": cleans " + store + " down to " + bounds + ", another pod to " + before
                            + ": CLEANER_MAXSIZE and CLEANER_THRESHOLD_PERCENTAGE must agree");
                }
                if (claim != null) {
                    claimHolds(contents, claim, max, threshold, w, problems);
                }
            }
        }
        for (CronJob cj : contents.all(CronJob.class)) {
            var pod = cj.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
            for (Container c : pod.getContainers()) {
                List<String> line = new ArrayList<>(c.getCommand());
                line.addAll(c.getArgs());
                if (line.contains("cleaner") && !line.contains("--once") && !line.contains("--dry-run")) {
                    problems.add("CronJob " + cj.getMetadata().getName() + ": cleaner without --once never ends, and"
                            + " the next run would never start");
                }
            }
            if (!"Forbid".equals(cj.getSpec().getConcurrencyPolicy())) {
                problems.add(
                        "CronJob " + cj.getMetadata().getName() + ": concurrencyPolicy Forbid: one pass at a time");
            }
        }
    }
}
