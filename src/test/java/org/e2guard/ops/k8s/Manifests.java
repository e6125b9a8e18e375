package org.e2guard.ops.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** A kustomization rendered by the real kustomize (kubectl kustomize), as objects to inspect. */
record Manifests(String dir, List<JsonNode> objects) {
    static final YAMLMapper YAML = new YAMLMapper();

    static Manifests render(String dir) {
        try {
            Process p = new ProcessBuilder(Tools.kubectl().toString(), "kustomize", dir).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + dir + " timed out");
            }
            assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + ": " + err);
            List<JsonNode> objects = new ArrayList<>();
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(out)) {
                while (it.hasNext()) {
                    JsonNode n = it.next();
                    if (n != null && !n.isNull() && !n.isEmpty()) {
                        objects.add(n);
                    }
                }
            }
            return new Manifests(dir, objects);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    Optional<JsonNode> one(String kind) {
        List<JsonNode> all = ofKind(kind);
        if (all.size() > 1) {
            throw new AssertionError(dir + ": more than one " + kind);
        }
        return all.stream().findFirst();
    }

    JsonNode deployment() {
        return one("Deployment").orElseThrow(() -> new AssertionError(dir + ": no Deployment"));
    }

    JsonNode container() {
        JsonNode containers = deployment().path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), dir + ": one container");
        return containers.get(0);
    }

    /** The ConfigMap the container reads its environment from (envFrom). */
    JsonNode configMapData() {
        String name = container().path("envFrom").get(0).path("configMapRef").path("name").asText();
        return ofKind("ConfigMap").stream().filter(c -> name.equals(c.path("metadata").path("name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError(dir + ": no ConfigMap " + name)).path("data");
    }
}
