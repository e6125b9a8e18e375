package org.e2guard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import org.e2guard.ehr.testserver.EhrTestResource;
import org.e2guard.outbox.WritebackConfig;
import org.e2guard.subscription.EhrTestSupport;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The EHR round trip benchmark (not part of the normal test run; {@code bench/ehr-roundtrip.sh}
 * runs it): N patients each get a notification as HAPI FHIR sends it (PUT with the resource); the
 * clock runs until e2guard has fetched every patient's context, evaluated it and written a
 * DetectedIssue, a Flag and their two Provenances to the EHR. Then the same EHR, on its own, takes
 * the same kind and number of writes from a plain FHIR client with as many threads as e2guard has
 * workers: what the EHR can accept bounds what e2guard can deliver.
 */
@QuarkusTest
@WithTestResource(EhrTestResource.class)
@EnabledIfSystemProperty(named = "e2guard.bench", matches = "true")
class EhrRoundTripBenchmark {
    @ConfigProperty(name = "e2guard.test.ehr-port", defaultValue = "0")
    int ehrPort;
    @ConfigProperty(name = "e2guard.subscription.public-url", defaultValue = "http://localhost")
    String publicUrl;
    @Inject
    DataSource db;
    @Inject
    WritebackConfig writeback;
    @Inject
    org.e2guard.ehr.PatientContextFetcher fetcher;
    @Inject
    org.e2guard.ehr.EhrRegistry ehrs;

    @Test
    void roundTrip() throws Exception {
        int patients = Integer.getInteger("e2guard.bench.patients", 200);
        EhrTestSupport t = new EhrTestSupport(ehrPort, publicUrl);
        t.delivery(false);

        run(t, "warm", 20);
        long requestsBefore = t.stat("requests");
        long busyBefore = t.stat("busyMillis");
        long t0 = System.nanoTime();
        List<Observation> results = run(t, "bench", patients);
        double e2eSeconds = (System.nanoTime() - t0) / 1e9;
        long ehrRequests = t.stat("requests") - requestsBefore;
        double ehrBusy = (t.stat("busyMillis") - busyBefore) / 1000.0;

        // the EHR alone: the same writes (conditional update of a DetectedIssue and a Flag, a Provenance each)
        int threads = writeback.workers();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t1 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < patients; i++) {
            String pid = "direct" + i;
            done.add(pool.submit(() -> directWrites(t.ehr, pid)));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double ehrSeconds = (System.nanoTime() - t1) / 1e9;

        // the EHR alone, serving the same reads (e2guard's own fetch code, without queue, evaluation
        // or bookkeeping) and the same writes: what is left of the end-to-end time is e2guard's share
        org.e2guard.ehr.Ehr main = ehrs.find("main").orElseThrow();
        long t2 = System.nanoTime();
        done.clear();
        for (int i = 0; i < patients; i++) {
            String pid = "bench" + i;
            String direct = "reads" + i;
            done.add(pool.submit(() -> {
                fetcher.fetch(main, pid).orElseThrow();
                directWrites(t.ehr, direct);
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double readWriteSeconds = (System.nanoTime() - t2) / 1e9;
        pool.shutdown();

        int writes = patients * 4;
        String report = String.format(java.util.Locale.ROOT, """
                EHR round trip, %d patients, %d e2guard workers
                  end to end (notification -> fetch -> evaluate -> DetectedIssue + Flag + 2 Provenance written):
                    %.2f s, %.1f patients/s, %.1f resources written/s, %d EHR requests (%.1f per patient),
                    EHR busy serving them %.2f s (summed over concurrent requests)
                  the EHR alone, same writes from %d client threads:
                    %.2f s, %.1f patients/s, %.1f resources written/s
                  the EHR alone, same reads and writes (no queue, no evaluation):
                    %.2f s, %.1f patients/s
                  e2guard end-to-end rate / EHR write rate: %.0f %%; / EHR read+write rate: %.0f %%
                """, patients, threads, e2eSeconds, patients / e2eSeconds, writes / e2eSeconds, ehrRequests,
                (double) ehrRequests / patients, ehrBusy, threads, ehrSeconds, patients / ehrSeconds, writes / ehrSeconds,
                readWriteSeconds, patients / readWriteSeconds, 100 * ehrSeconds / e2eSeconds,
                100 * readWriteSeconds / e2eSeconds);
        System.out.println(report);
        Path out = Path.of("target", "bench", "ehr-roundtrip.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        if (results.size() != patients) {
            throw new IllegalStateException("not every patient was notified");
        }
    }

    /** Seeds n patients, notifies e2guard of each one's estradiol, waits until every Flag is written. */
    private List<Observation> run(EhrTestSupport t, String prefix, int n) throws Exception {
        List<Observation> e2 = new ArrayList<>();
        List<Resource> seed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String pid = prefix + i;
            seed.addAll(org.e2guard.subscription.Fixtures.manOnAnastrozole(pid));
            Observation o = org.e2guard.subscription.Fixtures.estradiol(pid + "-e2", pid, 14, 5);
            seed.add(o);
            e2.add(o);
            if (seed.size() > 600) {
                t.seed(seed);
                seed.clear();
            }
        }
        t.seed(seed);
        long start = System.nanoTime();
        IGenericClient notifier = t.notifier();
        for (Observation o : e2) {
            notifier.update().resource(o).execute();
        }
        double accept = (System.nanoTime() - start) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "%s: %d notifications accepted in %.2f s (%.0f/s)%n", prefix, n, accept, n / accept);
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (flagsWritten(prefix) < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out: " + flagsWritten(prefix) + " of " + n);
            }
            Thread.sleep(20);
        }
        return e2;
    }

    private long flagsWritten(String prefix) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM writeback_state WHERE resource_type = 'Flag' AND patient_id LIKE ?")) {
            ps.setString(1, prefix + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void directWrites(IGenericClient ehr, String pid) {
        TokenClientParam identifier = new TokenClientParam("identifier");
        DetectedIssue di = new DetectedIssue();
        di.addIdentifier().setSystem("urn:bench").setValue(pid + "-di");
        di.setStatus(DetectedIssue.DetectedIssueStatus.FINAL);
        di.setPatient(new Reference("Patient/" + pid));
        di.setDetail("Estradiol 14 pg/mL on anastrozole: below 20 pg/mL.");
        var diOutcome = ehr.update().resource(di).conditional()
                .where(identifier.exactly().systemAndIdentifier("urn:bench", pid + "-di")).execute();
        provenance(ehr, diOutcome.getId().getValue());
        Flag flag = new Flag();
        flag.addIdentifier().setSystem("urn:bench").setValue(pid + "-flag");
        flag.setStatus(Flag.FlagStatus.ACTIVE);
        flag.setSubject(new Reference("Patient/" + pid));
        var flagOutcome = ehr.update().resource(flag).conditional()
                .where(identifier.exactly().systemAndIdentifier("urn:bench", pid + "-flag")).execute();
        provenance(ehr, flagOutcome.getId().getValue());
    }

    private static void provenance(IGenericClient ehr, String target) {
        Provenance p = new Provenance();
        p.addTarget(new Reference(target));
        p.setRecorded(new java.util.Date());
        p.addAgent().setWho(new Reference("Device/bench"));
        ehr.create().resource(p).execute();
    }

}
