package org.e2guard.ops.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * src/main/docker/Dockerfile.jvm, read as the instructions a builder would run (no Docker engine
 * here to build it): a pinned JRE 17 base, the fast-jar layout copied whole, non-root user 185,
 * port 8080, and agreement with the Kubernetes pod (same user, same port).
 */
class DockerfileTest {
    static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");

    record Instruction(String op, String args) {
    }

    static List<Instruction> instructions() throws IOException {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(DOCKERFILE)) {
            String t = line.strip();
            if (current.isEmpty() && (t.isEmpty() || t.startsWith("#"))) {
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            String[] parts = current.toString().split("\\s+", 2);
            out.add(new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1] : ""));
            current.setLength(0);
        }
        return out;
    }

    static List<Instruction> all(List<Instruction> in, String op) {
        return in.stream().filter(i -> i.op().equals(op)).toList();
    }

    @Test
    void basedOnAPinnedJava17Runtime() throws IOException {
        List<Instruction> from = all(instructions(), "FROM");
        assertEquals(1, from.size(), "one stage: the application is built by Maven, not in the image");
        String image = from.get(0).args();
        assertTrue(image.matches("[\\w.\\-/]+/(ubi\\d+/openjdk-17(-runtime)?|eclipse-temurin):[\\w.\\-]+(@sha256:[0-9a-f]{64})?"),
                "a UBI OpenJDK 17 or Temurin image: " + image);
        String name = image.replaceAll("@.*", "");
        String tag = name.substring(name.lastIndexOf(':') + 1);
        assertFalse(tag.equals("latest") || tag.isBlank(), "pinned tag: " + image);
        assertTrue(tag.matches("\\d+(\\.\\d+)+([._-][\\w.]+)?") || tag.startsWith("17"), "a versioned tag: " + tag);
    }

    @Test
    void copiesTheWholeFastJarLayoutOwnedByTheRuntimeUser() throws IOException {
        List<Instruction> copies = all(instructions(), "COPY");
        Set<String> sources = new TreeSet<>();
        for (Instruction c : copies) {
            assertTrue(c.args().startsWith("--chown=185 "), "owned by 185: " + c);
            String[] args = c.args().split("\\s+");
            sources.add(args[1]);
            assertTrue(args[2].startsWith("/deployments/"), "into /deployments: " + c);
        }
        assertEquals(Set.of("target/quarkus-app/lib/", "target/quarkus-app/*.jar", "target/quarkus-app/app/",
                "target/quarkus-app/quarkus/"), sources, "the four parts of target/quarkus-app");
        String jar = all(instructions(), "ENV").stream().map(Instruction::args).filter(a -> a.startsWith("JAVA_APP_JAR="))
                .findFirst().orElseThrow();
        assertEquals("JAVA_APP_JAR=\"/deployments/quarkus-run.jar\"", jar);
    }

    @Test
    void runsAsUser185OnPort8080LikeThePod() throws IOException {
        List<Instruction> in = instructions();
        List<Instruction> users = all(in, "USER");
        assertEquals("185", users.get(users.size() - 1).args(), "the last USER is the runtime user");
        assertEquals(List.of("8080"), all(in, "EXPOSE").stream().map(Instruction::args).toList());
        assertFalse(in.stream().anyMatch(i -> i.op().equals("RUN")), "nothing installed over the pinned base");

        Manifests prod = Manifests.render("k8s/overlays/prod");
        JsonNode pod = prod.deployment().path("spec").path("template").path("spec");
        assertEquals(185, pod.path("securityContext").path("runAsUser").asInt(), "the pod runs as the image's user");
        assertEquals(8080, K8sManifestsTest.port(prod.container(), "http"), "the pod's port is the image's");
    }
}
