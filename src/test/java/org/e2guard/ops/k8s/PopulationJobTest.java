package org.e2guard.ops.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.e2guard.population.PopulationCli;
import org.e2guard.population.TestPopulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * k8s/population: the Indexed Job and its merge Job, rendered by kustomize, are consistent (one
 * part per index, each part merged), locked down like the service, and their commands, run here
 * as written in the manifests over a generated population, merge into exactly the MeasureReports
 * of one run over the whole population.
 */
class PopulationJobTest {
    static final String DIR = "k8s/population";

    @TempDir
    Path tmp;

    static JsonNode job(Manifests m) {
        return m.ofKind("Job").stream().findFirst().orElseThrow(() -> new AssertionError("no Job in " + DIR));
    }

    static JsonNode mergeJob() throws Exception {
        return Manifests.YAML.readTree(Path.of(DIR, "merge-job.yaml").toFile());
    }

    static String script(JsonNode job) {
        JsonNode c = job.path("spec").path("template").path("spec").path("containers").get(0);
        assertEquals(List.of("sh", "-c"), List.of(c.path("command").get(0).asText(), c.path("command").get(1).asText()));
        return c.path("args").get(0).asText();
    }

    @Test
    void oneIndexPerPartAndEveryPartMerged() throws Exception {
        Manifests m = Manifests.render(DIR);
        JsonNode spec = job(m).path("spec");
        assertEquals("Indexed", spec.path("completionMode").asText());
        int n = spec.path("completions").asInt();
        assertEquals(n, spec.path("parallelism").asInt(), "all parts run at once");
        Matcher shard = Pattern.compile("--shard \\$JOB_COMPLETION_INDEX/(\\d+)").matcher(script(job(m)));
        assertTrue(shard.find(), script(job(m)));
        assertEquals(n, Integer.parseInt(shard.group(1)), "--shard's count is the Job's completions");
        String merge = script(mergeJob());
        for (int i = 0; i < n; i++) {
            assertTrue(merge.contains("/data/out/part-" + i), "merge reads part " + i);
        }
        assertFalse(merge.contains("/data/out/part-" + n), "merge reads no part beyond " + (n - 1));
        for (JsonNode j : List.of(job(m), mergeJob())) {
            JsonNode pod = j.path("spec").path("template").path("spec");
            JsonNode c = pod.path("containers").get(0);
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean());
            assertTrue(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean());
            assertFalse(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true));
            assertFalse(pod.path("automountServiceAccountToken").asBoolean(true));
            assertTrue(c.path("image").asText().matches(".*:[0-9][^:]*"), "pinned image: " + c.path("image").asText());
            assertTrue(c.path("resources").path("limits").has("memory"));
        }
        assertEquals("ReadWriteMany", m.one("PersistentVolumeClaim").orElseThrow().path("spec").path("accessModes").get(0).asText());
    }

    @Test
    void theManifestsCommandsMergeIntoTheWholeRun() throws Exception {
        Manifests m = Manifests.render(DIR);
        int n = job(m).path("spec").path("completions").asInt();
        String asOf = job(m).path("spec").path("template").path("spec").path("containers").get(0).path("env").get(0)
                .path("value").asText();
        TestPopulation.write(tmp.resolve("ndjson"), 45, 5);
        for (int i = 0; i < n; i++) {
            PopulationCli.main(cli(script(job(m)).replace("$JOB_COMPLETION_INDEX", String.valueOf(i))
                    .replace("\"$AS_OF\"", asOf)));
        }
        PopulationCli.main(cli(script(mergeJob())));
        // the same run in one piece: the command without --shard
        PopulationCli.main(cli(script(job(m)).replaceAll("--shard \\S+", "").replace("\"$AS_OF\"", asOf)
                .replace("/data/out/part-$JOB_COMPLETION_INDEX", "/data/whole")));
        List<String> merged = Files.readAllLines(tmp.resolve("out/merged/MeasureReport.ndjson"));
        List<String> whole = Files.readAllLines(tmp.resolve("whole/MeasureReport.ndjson"));
        assertEquals(3, whole.size(), "baseline and two what-if settings");
        assertEquals(whole, merged);
        String parts = Files.readString(tmp.resolve("out/part-0/MeasureReport.ndjson"));
        assertFalse(parts.equals(whole.get(0) + "\n" + whole.get(1) + "\n" + whole.get(2) + "\n"), "a part is not the whole");
    }

    /** The arguments after the main class, as sh would split them, with /data under the test's folder. */
    private String[] cli(String script) {
        String s = script.replace("/data", tmp.toString());
        s = s.substring(s.indexOf("org.e2guard.population.PopulationCli") + "org.e2guard.population.PopulationCli".length());
        List<String> args = new ArrayList<>();
        Matcher t = Pattern.compile("'([^']*)'|\"([^\"]*)\"|(\\S+)").matcher(s);
        while (t.find()) {
            args.add(t.group(1) != null ? t.group(1) : t.group(2) != null ? t.group(2) : t.group(3));
        }
        return args.toArray(String[]::new);
    }
}
