package dev.registrycache.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.Route;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates our Kubernetes files without a cluster (kubectl's client-side dry run still asks an
 * API server for discovery): each document is read into the API's own types (fabric8's
 * kubernetes-model and openshift-model, generated from the APIs' OpenAPI schemas), a field the
 * schema does not have is an error, and the rules the API server would apply to what we use are
 * checked ({@link KubernetesObjectRules}). References between files are {@link
 * KubernetesManifestFolder}'s.
 */
final class KubernetesManifests {
    private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "apps/v1/Deployment", Deployment.class,
            "v1/Service", Service.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            "v1/Secret", Secret.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "batch/v1/CronJob", CronJob.class,
            "route.openshift.io/v1/Route", Route.class);

    private KubernetesManifests() {}

    /** Every document of the file, validated; a list of what is wrong is thrown as one error. */
    static List<HasMetadata> read(Path file) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode doc : documents(Files.readString(file))) {
            String key =
                    doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
            Class<? extends HasMetadata> type = KINDS.get(key);
            if (type == null) {
                problems.add(file + ": unknown apiVersion/kind " + key);
                continue;
            }
            HasMetadata object = JSON.treeToValue(doc, type);
            String where = file.getFileName() + " " + doc.path("kind").asText() + " "
                    + (object.getMetadata() == null
                            ? null
                            : object.getMetadata().getName());
            unknownFields(object, where, problems, new IdentityHashMap<>());
            KubernetesObjectRules.check(object, where, problems);
            out.add(object);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
        return out;
    }

    /** The documents of a YAML stream, empty ones left out. */
    static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(yaml)) {
            for (var docs = YAML.readValues(parser, JsonNode.class); docs.hasNext(); ) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    documents.add(doc);
                }
            }
        }
        return documents;
    }

    /**
     * What the API server checks of any object's metadata (ObjectMeta's fields, the name), for objects
     * of kinds that have no type here, such as custom resources ({@link CustomResourceSchema}).
     */
    static void checkMetadata(JsonNode doc, String where, List<String> problems) throws IOException {
        GenericKubernetesResource object = JSON.treeToValue(doc, GenericKubernetesResource.class);
        unknownFields(object.getMetadata(), where + " metadata", problems, new IdentityHashMap<>());
        KubernetesObjectRules.check(object, where, problems);
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
        String type = node.getClass().getName();
        if (!type.startsWith("io.fabric8.kubernetes.api.model") && !type.startsWith("io.fabric8.openshift.api.model")) {
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
