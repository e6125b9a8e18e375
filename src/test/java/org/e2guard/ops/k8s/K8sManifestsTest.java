package org.e2guard.ops.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.e2guard.ops.config.DocumentedSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Kubernetes manifests, rendered by kustomize exactly as {@code kubectl apply -k} would,
 * match the service: probes on its health endpoints and HTTP port, settings it actually reads,
 * a locked-down pod, pinned images, sized resources, and in prod the high-availability parts.
 */
class K8sManifestsTest {
    static final int HTTP_PORT = 8080;
    static final Map<String, String> PROBES = Map.of(
            "startupProbe", "/q/health/started",
            "readinessProbe", "/q/health/ready",
            "livenessProbe", "/q/health/live");

    @ParameterizedTest
    @ValueSource(strings = {"k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"})
    void probesAreTheServicesHealthEndpointsOnItsHttpPort(String dir) {
        Manifests m = Manifests.render(dir);
        JsonNode c = m.container();
        assertEquals(HTTP_PORT, port(c, "http"), dir + ": container port http");
        PROBES.forEach((probe, path) -> {
            JsonNode get = c.path(probe).path("httpGet");
            assertEquals(path, get.path("path").asText(), dir + ": " + probe);
            JsonNode p = get.path("port");
            assertEquals(HTTP_PORT, p.isInt() ? p.asInt() : port(c, p.asText()), dir + ": " + probe + " port");
        });
        assertEquals(String.valueOf(HTTP_PORT), m.configMapData().path("QUARKUS_HTTP_PORT").asText(String.valueOf(HTTP_PORT)),
                dir + ": the service listens where the probes look");
        // the startup probe gives at least a minute before liveness may restart a slow starter
        JsonNode s = c.path("startupProbe");
        assertTrue(s.path("periodSeconds").asInt(10) * s.path("failureThreshold").asInt(3) >= 60, dir + ": startup budget");
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"})
    void podAndContainerAreLockedDown(String dir) {
        Manifests m = Manifests.render(dir);
        JsonNode pod = m.deployment().path("spec").path("template").path("spec");
        JsonNode psc = pod.path("securityContext");
        assertTrue(psc.path("runAsNonRoot").asBoolean(), dir + ": pod runAsNonRoot");
        assertTrue(psc.path("runAsUser").asInt() > 0, dir + ": pod runAsUser non-root");
        assertEquals("RuntimeDefault", psc.path("seccompProfile").path("type").asText(), dir + ": pod seccomp");
        assertFalse(pod.path("automountServiceAccountToken").asBoolean(true), dir + ": pod token automount");
        assertFalse(pod.path("enableServiceLinks").asBoolean(true), dir + ": service links (E2GUARD_PORT=tcp://...)");
        assertFalse(pod.path("hostNetwork").asBoolean(false) || pod.path("hostPID").asBoolean(false), dir + ": host namespaces");

        JsonNode csc = m.container().path("securityContext");
        assertTrue(csc.path("runAsNonRoot").asBoolean(psc.path("runAsNonRoot").asBoolean()), dir + ": runAsNonRoot");
        assertFalse(csc.path("allowPrivilegeEscalation").asBoolean(true), dir + ": allowPrivilegeEscalation");
        assertFalse(csc.path("privileged").asBoolean(false), dir + ": privileged");
        assertTrue(csc.path("readOnlyRootFilesystem").asBoolean(), dir + ": readOnlyRootFilesystem");
        assertEquals(List.of("ALL"), texts(csc.path("capabilities").path("drop")), dir + ": capabilities drop");
        assertTrue(csc.path("capabilities").path("add").isMissingNode(), dir + ": no capabilities added");
        assertEquals("RuntimeDefault", csc.path("seccompProfile").path("type").asText(), dir + ": container seccomp");

        // a read-only root needs a writable /tmp, and it is an emptyDir (nothing kept, nothing shared)
        String tmpVolume = mountAt(m.container(), "/tmp");
        assertNotNull(tmpVolume, dir + ": /tmp mounted");
        assertTrue(volume(pod, tmpVolume).has("emptyDir"), dir + ": /tmp is an emptyDir");

        JsonNode sa = m.one("ServiceAccount").orElseThrow();
        assertFalse(sa.path("automountServiceAccountToken").asBoolean(true), dir + ": ServiceAccount token automount");
        assertEquals(sa.path("metadata").path("name").asText(), pod.path("serviceAccountName").asText(), dir + ": own ServiceAccount");
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"})
    void imageIsPinnedNeverLatest(String dir) {
        Manifests m = Manifests.render(dir);
        for (JsonNode deployment : m.ofKind("Deployment")) {
            for (JsonNode c : deployment.path("spec").path("template").path("spec").path("containers")) {
                String image = c.path("image").asText();
                String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
                boolean digest = image.matches(".*@sha256:[0-9a-f]{64}");
                int colon = name.lastIndexOf(':');
                String tag = colon > name.lastIndexOf('/') ? name.substring(colon + 1) : null;
                assertTrue(digest || tag != null, dir + ": a tag or digest on " + image);
                assertFalse("latest".equals(tag), dir + ": latest tag on " + image);
                assertTrue(digest || tag.matches("\\d+\\.\\d+\\.\\d+([.-][\\w.]+)?"),
                        dir + ": a release tag (x.y.z) or a digest, not a moving tag: " + image);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"})
    void resourcesAreSetAndTheHeapIsSizedForThisService(String dir) {
        Manifests m = Manifests.render(dir);
        JsonNode r = m.container().path("resources");
        for (String part : List.of("requests", "limits")) {
            for (String resource : List.of("cpu", "memory")) {
                assertFalse(r.path(part).path(resource).asText().isBlank(), dir + ": " + part + "." + resource);
            }
        }
        long limit = bytes(r.path("limits").path("memory").asText());
        assertTrue(bytes(r.path("requests").path("memory").asText()) == limit, dir + ": memory request = limit");
        int ratio = m.configMapData().path("JAVA_MAX_MEM_RATIO").asInt(80);
        long heapMiB = limit * ratio / 100 / (1024 * 1024);
        assertTrue(heapMiB >= 256 && heapMiB <= 512, dir + ": max heap " + heapMiB + " MiB (" + ratio + " % of the limit)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"})
    void shutdownDrainsWithinTheGracePeriod(String dir) {
        Manifests m = Manifests.render(dir);
        JsonNode data = m.configMapData();
        Duration delay = duration(data.path("QUARKUS_SHUTDOWN_DELAY").asText("0s"));
        Duration timeout = duration(data.path("QUARKUS_SHUTDOWN_TIMEOUT").asText(""));
        assertTrue(delay.toSeconds() >= 3, dir + ": a shutdown delay while endpoints update: " + delay);
        assertTrue(timeout.toSeconds() >= 10, dir + ": a drain timeout: " + timeout);
        long grace = m.deployment().path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asLong(30);
        assertTrue(grace > delay.plus(timeout).toSeconds() + 5, dir + ": grace period " + grace + " s covers "
                + delay + " + " + timeout + " with margin");
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"})
    void everyEnvironmentVariableIsADocumentedSettingOfTheService(String dir) throws IOException {
        Manifests m = Manifests.render(dir);
        Set<String> names = new TreeSet<>();
        m.container().path("env").forEach(e -> names.add(e.path("name").asText()));
        m.configMapData().fieldNames().forEachRemaining(names::add);
        List<String> unknown = names.stream().filter(n -> !DocumentedSettings.documents(n)).toList();
        assertEquals(List.of(), unknown, dir + ": environment variables that are no documented setting"
                + " (docs/CONFIGURATION.md; ConfigurationDocTest ties each to a real key)");
        // credentials come from Secrets, never from the ConfigMap
        m.configMapData().fieldNames().forEachRemaining(n -> assertFalse(
                n.contains("PASSWORD") || n.contains("API_KEYS") || n.contains("SECRET"), dir + ": credential in ConfigMap: " + n));
        for (JsonNode e : m.container().path("env")) {
            String n = e.path("name").asText();
            if (n.contains("PASSWORD") || n.contains("API_KEYS") || n.contains("SECRET") || n.endsWith("USERNAME")) {
                assertTrue(e.path("valueFrom").has("secretKeyRef"), dir + ": " + n + " from a Secret");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/base", "k8s/overlays/dev", "k8s/overlays/prod"})
    void serviceSelectsThePodsOnTheHttpPort(String dir) {
        Manifests m = Manifests.render(dir);
        JsonNode service = m.one("Service").orElseThrow();
        Map<String, String> podLabels = labels(m.deployment().path("spec").path("template").path("metadata").path("labels"));
        Map<String, String> selector = labels(service.path("spec").path("selector"));
        assertFalse(selector.isEmpty(), dir + ": Service selector");
        assertTrue(podLabels.entrySet().containsAll(selector.entrySet()), dir + ": Service selects the pods");
        assertEquals(labels(m.deployment().path("spec").path("selector").path("matchLabels")), selector,
                dir + ": Deployment and Service select alike");
        JsonNode p = service.path("spec").path("ports").get(0);
        assertTrue("http".equals(p.path("targetPort").asText()) || p.path("targetPort").asInt() == HTTP_PORT, dir + ": targetPort");
    }

    @Test
    void prodRunsThreeReplicasWithAutoscalingDisruptionBudgetAndSpread() {
        Manifests m = Manifests.render("k8s/overlays/prod");
        JsonNode d = m.deployment();
        assertEquals(3, d.path("spec").path("replicas").asInt(), "replicas");
        assertEquals(0, d.path("spec").path("strategy").path("rollingUpdate").path("maxUnavailable").asInt(-1),
                "rolling update never below the replica count");
        Map<String, String> podLabels = labels(d.path("spec").path("template").path("metadata").path("labels"));

        JsonNode hpa = m.one("HorizontalPodAutoscaler").orElseThrow(() -> new AssertionError("no HPA"));
        assertEquals("autoscaling/v2", hpa.path("apiVersion").asText());
        assertEquals("Deployment", hpa.path("spec").path("scaleTargetRef").path("kind").asText());
        assertEquals(d.path("metadata").path("name").asText(), hpa.path("spec").path("scaleTargetRef").path("name").asText());
        assertTrue(hpa.path("spec").path("minReplicas").asInt() >= 3, "HPA keeps at least three");
        assertTrue(hpa.path("spec").path("maxReplicas").asInt() > hpa.path("spec").path("minReplicas").asInt(), "HPA can grow");

        JsonNode pdb = m.one("PodDisruptionBudget").orElseThrow(() -> new AssertionError("no PDB"));
        assertSelects(pdb.path("spec").path("selector").path("matchLabels"), podLabels, "PDB");
        assertTrue(pdb.path("spec").path("maxUnavailable").asInt(0) == 1 || pdb.path("spec").path("minAvailable").asInt(0) >= 2,
                "PDB lets at most one replica go at a time");

        JsonNode spread = d.path("spec").path("template").path("spec").path("topologySpreadConstraints");
        Set<String> keys = new HashSet<>();
        for (JsonNode c : spread) {
            keys.add(c.path("topologyKey").asText());
            assertSelects(c.path("labelSelector").path("matchLabels"), podLabels, "topologySpreadConstraint");
        }
        assertEquals(Set.of("kubernetes.io/hostname", "topology.kubernetes.io/zone"), keys, "spread over nodes and zones");

        JsonNode env = m.container().path("env");
        for (String name : List.of("QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD",
                "E2GUARD_SECURITY_API_KEYS")) {
            JsonNode e = find(env, name);
            assertNotNull(e, "prod sets " + name);
            assertTrue(e.path("valueFrom").has("secretKeyRef"), name + " from a Secret");
        }
    }

    @Test
    void prodNetworkPolicyAdmitsOnlyTheEhrAndMonitoringAndLetsOutOnlyWhatIsNeeded() {
        Manifests m = Manifests.render("k8s/overlays/prod");
        JsonNode np = m.one("NetworkPolicy").orElseThrow(() -> new AssertionError("no NetworkPolicy"));
        Map<String, String> podLabels = labels(m.deployment().path("spec").path("template").path("metadata").path("labels"));
        assertSelects(np.path("spec").path("podSelector").path("matchLabels"), podLabels, "NetworkPolicy");
        assertEquals(List.of("Ingress", "Egress"), texts(np.path("spec").path("policyTypes")), "both directions default-deny");

        Set<String> from = new TreeSet<>();
        for (JsonNode rule : np.path("spec").path("ingress")) {
            for (JsonNode peer : rule.path("from")) {
                assertTrue(peer.has("namespaceSelector") && !peer.has("ipBlock"), "ingress by namespace only: " + peer);
                from.add(peer.path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText());
            }
            assertEquals(List.of(HTTP_PORT), rule.path("ports").findValues("port").stream().map(JsonNode::asInt).toList(),
                    "ingress only to the HTTP port");
        }
        assertEquals(Set.of("ehr", "monitoring"), from, "ingress from the EHR and monitoring namespaces");

        List<Integer> egressPorts = new ArrayList<>();
        boolean dnsToKubeDns = false;
        for (JsonNode rule : np.path("spec").path("egress")) {
            assertTrue(rule.has("to") && !rule.path("to").isEmpty(), "every egress rule names its destination: " + rule);
            rule.path("ports").findValues("port").forEach(p -> egressPorts.add(p.asInt()));
            for (JsonNode peer : rule.path("to")) {
                if (peer.path("podSelector").path("matchLabels").path("k8s-app").asText().equals("kube-dns")) {
                    dnsToKubeDns = true;
                }
            }
        }
        assertTrue(dnsToKubeDns, "DNS to kube-dns");
        assertEquals(new TreeSet<>(List.of(53, 443, 5432, 8080)), new TreeSet<>(egressPorts),
                "egress: DNS, HTTPS (EHR, token endpoint), PostgreSQL, the EHR's HTTP port");
        assertTrue(np.path("spec").path("egress").size() == 4, "EHR, token endpoint, database, DNS");
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/overlays/dev", "k8s/overlays/prod"})
    void theEhrIsConfiguredWithOnePublicUrlAndItsCredentialsFromSecrets(String dir) {
        Manifests m = Manifests.render(dir);
        JsonNode data = m.configMapData();
        assertTrue(data.path("E2GUARD_EHR_MAIN_BASE_URL").asText().matches("https?://.+/fhir"), dir + ": the EHR's FHIR base");
        // one value in the ConfigMap: every replica registers and finds the same Subscriptions
        assertTrue(data.path("E2GUARD_SUBSCRIPTION_PUBLIC_URL").asText().matches("https?://[^/]+.*"), dir + ": one public URL");
        JsonNode secret = find(m.container().path("env"), "E2GUARD_EHR_MAIN_PUSH_SECRET");
        assertNotNull(secret, dir + ": the notification secret");
        assertTrue(secret.path("valueFrom").has("secretKeyRef"), dir + ": the notification secret from a Secret");
        // the SMART key is a file on a Secret volume, never an environment variable
        assertFalse(data.has("E2GUARD_EHR_MAIN_AUTH_PRIVATE_KEY"), dir + ": no private key in the ConfigMap");
        assertNull(find(m.container().path("env"), "E2GUARD_EHR_MAIN_AUTH_PRIVATE_KEY"), dir + ": no private key in env");
        String keyFile = data.path("E2GUARD_EHR_MAIN_AUTH_PRIVATE_KEY_FILE").asText();
        JsonNode volumes = m.deployment().path("spec").path("template").path("spec").path("volumes");
        boolean onSecret = false;
        for (JsonNode mount : m.container().path("volumeMounts")) {
            if (keyFile.startsWith(mount.path("mountPath").asText() + "/") && mount.path("readOnly").asBoolean(false)) {
                for (JsonNode v : volumes) {
                    onSecret |= v.path("name").asText().equals(mount.path("name").asText()) && v.has("secret");
                }
            }
        }
        assertTrue(onSecret, dir + ": " + keyFile + " is on a read-only Secret volume");
    }

    @Test
    void devRunsOneReplicaOnTheEmbeddedStoreWithAWritableDataDirectory() {
        Manifests m = Manifests.render("k8s/overlays/dev");
        JsonNode d = m.deployment();
        assertEquals(1, d.path("spec").path("replicas").asInt(), "replicas");
        assertEquals("Recreate", d.path("spec").path("strategy").path("type").asText(), "one owner of the data directory");
        String url = m.configMapData().path("QUARKUS_DATASOURCE_JDBC_URL").asText();
        assertTrue(url.startsWith("jdbc:e2guard-embedded:/"), "embedded store at an absolute path: " + url);
        String dataDir = url.substring("jdbc:e2guard-embedded:".length());
        boolean writable = false;
        for (JsonNode mount : m.container().path("volumeMounts")) {
            if (dataDir.startsWith(mount.path("mountPath").asText() + "/") && !mount.path("readOnly").asBoolean(false)) {
                writable = true;
            }
        }
        assertTrue(writable, "the data directory " + dataDir + " is on a mounted volume (the root filesystem is read-only)");
        assertTrue(m.ofKind("HorizontalPodAutoscaler").isEmpty() && m.ofKind("PodDisruptionBudget").isEmpty(), "no HA parts");
    }

    @Test
    void monitoringRendersAndScrapesThePodsOnTheirHttpPort() {
        Manifests m = Manifests.render("k8s/monitoring");
        JsonNode sm = m.one("ServiceMonitor").orElseThrow(() -> new AssertionError("no ServiceMonitor"));
        Manifests prod = Manifests.render("k8s/overlays/prod");
        JsonNode service = prod.one("Service").orElseThrow();
        assertSelects(sm.path("spec").path("selector").path("matchLabels"), labels(service.path("metadata").path("labels")), "ServiceMonitor");
        JsonNode endpoint = sm.path("spec").path("endpoints").get(0);
        assertEquals(service.path("spec").path("ports").get(0).path("name").asText(), endpoint.path("port").asText());
        assertEquals("/q/metrics", endpoint.path("path").asText());
        assertTrue(texts(sm.path("spec").path("namespaceSelector").path("matchNames")).contains(
                prod.deployment().path("metadata").path("namespace").asText()), "scrapes the prod namespace");
        assertTrue(m.one("PrometheusRule").isPresent(), "alert rules");
    }

    // ---- helpers ----

    static int port(JsonNode container, String name) {
        for (JsonNode p : container.path("ports")) {
            if (name.equals(p.path("name").asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + name);
    }

    static String mountAt(JsonNode container, String path) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (path.equals(mount.path("mountPath").asText())) {
                return mount.path("name").asText();
            }
        }
        return null;
    }

    static JsonNode volume(JsonNode pod, String name) {
        for (JsonNode v : pod.path("volumes")) {
            if (name.equals(v.path("name").asText())) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    static JsonNode find(JsonNode env, String name) {
        for (JsonNode e : env) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        return null;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static Map<String, String> labels(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    static void assertSelects(JsonNode matchLabels, Map<String, String> podLabels, String what) {
        Map<String, String> selector = labels(matchLabels);
        assertFalse(selector.isEmpty(), what + ": an empty selector selects every pod of the namespace");
        assertTrue(podLabels.entrySet().containsAll(selector.entrySet()), what + " selects e2guard's pods: " + selector);
    }

    static long bytes(String quantity) {
        Matcher q = Pattern.compile("(\\d+)(Ki|Mi|Gi)?").matcher(quantity);
        assertTrue(q.matches(), "memory quantity " + quantity);
        long n = Long.parseLong(q.group(1));
        return q.group(2) == null ? n : switch (q.group(2)) {
            case "Ki" -> n << 10;
            case "Mi" -> n << 20;
            default -> n << 30;
        };
    }

    static Duration duration(String text) {
        Matcher d = Pattern.compile("(\\d+)(ms|s|m)").matcher(text);
        assertTrue(d.matches(), "duration " + text);
        long n = Long.parseLong(d.group(1));
        return switch (d.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }
}
