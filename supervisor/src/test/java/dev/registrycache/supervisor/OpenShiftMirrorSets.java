package dev.registrycache.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenShift's mirror sets checked without a cluster, for the README's OpenShift blocks: each
 * document is an object of one of the CRDs that openshift-crds/ holds (copied from openshift/api),
 * valid against that CRD's schema ({@link CustomResourceSchema}) with metadata as the API server
 * wants it, and its mirrors point at the cache as the cache names images ({@link CacheMirrorRules}).
 */
final class OpenShiftMirrorSets {
    /** Each kind's list of entries in its spec. */
    private static final Map<String, String> ENTRY_LISTS = Map.of(
            "ImageDigestMirrorSet", "imageDigestMirrors",
            "ImageTagMirrorSet", "imageTagMirrors",
            "ImageContentSourcePolicy", "repositoryDigestMirrors");

    private static final Map<String, CustomResourceSchema> SCHEMAS = schemas(
            "openshift-crds/0000_10_config-operator_01_imagedigestmirrorsets.crd.yaml",
            "openshift-crds/0000_10_config-operator_01_imagetagmirrorsets.crd.yaml",
            "openshift-crds/0000_10_config-operator_01_imagecontentsourcepolicies.crd.yaml");

    /** One valid object: its kind, and each source with its mirrors, in order. */
    record MirrorSet(String kind, Map<String, List<String>> mirrors) {}

    private OpenShiftMirrorSets() {}

    /** Every document of {@code yaml}, validated; a list of what is wrong is thrown as one error. */
    static List<MirrorSet> read(String yaml, String where) throws IOException {
        List<MirrorSet> sets = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode doc : KubernetesManifests.documents(yaml)) {
            String key =
                    doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
            CustomResourceSchema schema = SCHEMAS.get(key);
            if (schema == null) {
                problems.add(where + ": apiVersion/kind " + key + " is none of the CRDs' " + SCHEMAS.keySet());
                continue;
            }
            String object = where + " " + schema.kind() + " "
                    + doc.path("metadata").path("name").asText();
            schema.check(doc, object, problems);
            KubernetesManifests.checkMetadata(doc, object, problems);
            Map<String, List<String>> mirrors = mirrors(doc.path("spec").path(ENTRY_LISTS.get(schema.kind())));
            CacheMirrorRules.check(mirrors, object, problems);
            sets.add(new MirrorSet(schema.kind(), mirrors));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
        return sets;
    }

    /** Each entry's source and mirrors; entries without a source are the schema's to report. */
    private static Map<String, List<String>> mirrors(JsonNode entries) {
        Map<String, List<String>> mirrors = new LinkedHashMap<>();
        for (JsonNode entry : entries) {
            if (entry.path("source").isTextual()) {
                List<String> list = mirrors.computeIfAbsent(entry.get("source").asText(), s -> new ArrayList<>());
                entry.path("mirrors").forEach(m -> list.add(m.asText()));
            }
        }
        return mirrors;
    }

    private static Map<String, CustomResourceSchema> schemas(String... resources) {
        Map<String, CustomResourceSchema> schemas = new HashMap<>();
        try {
            for (String resource : resources) {
                for (CustomResourceSchema schema : CustomResourceSchema.fromResource(resource)) {
                    schemas.put(schema.apiVersion() + "/" + schema.kind(), schema);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return schemas;
    }
}
