package org.e2guard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import org.e2guard.ehr.jpa.HapiJpaEhrResource;
import org.e2guard.outbox.WritebackConfig;
import org.e2guard.subscription.Fixtures;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The EHR round trip benchmark against a real EHR, HAPI FHIR's JPA server (not part of the normal
 * test run; {@code bench/ehr-roundtrip.sh} runs it). N single-patient transactions (a chart with an
 * estradiol of 14 pg/mL) are filed in the EHR from several client threads; HAPI notifies e2guard
 * through its rest-hook Subscriptions; the clock runs until e2guard has fetched every patient's
 * context, evaluated it and written a DetectedIssue, a Flag and their Provenances back. Then the
 * same EHR, on its own, takes the same kind and number of writes from a plain FHIR client, with as
 * many threads as e2guard has workers and with more: what the EHR can accept bounds what e2guard
 * can deliver.
 */
@QuarkusTest
@WithTestResource(HapiJpaEhrResource.class)
@EnabledIfSystemProperty(named = "e2guard.bench", matches = "true")
class EhrRoundTripBenchmark {
    static final int FILERS = 4;
    static final int MANY = 8;

    @ConfigProperty(name = "e2guard.test.real-ehr-base", defaultValue = "http://127.0.0.1:1/fhir")
    String ehrBase;
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
        FhirContext ctx = FhirContext.forR4Cached();
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient ehr = ctx.newRestfulGenericClient(ehrBase);
        awaitSubscriptions(ehr);

        run(ehr, "warm", 20);
        // the direct writes' author, as e2guard's Device is e2guard's (the EHR checks references)
        org.hl7.fhir.r4.model.Device device = new org.hl7.fhir.r4.model.Device();
        device.setId("bench");
        ehr.update().resource(device).execute();
        Map<String, Instant> accepted = new ConcurrentHashMap<>();
        Instant start = Instant.now();
        double acceptSeconds = file(ehr, "bench", patients, accepted);
        awaitFlags("bench", patients);
        List<Instant> written = flagTimes("bench");
        Instant last = written.stream().max(Instant::compareTo).orElseThrow();
        double e2eSeconds = (last.toEpochMilli() - start.toEpochMilli()) / 1000.0;
        double[] latency = latencies("bench", accepted);

        int workers = writeback.workers();
        double aloneWorkers = alone(ehr, "w", patients, workers, EhrRoundTripBenchmark::directWrites);
        double aloneMany = alone(ehr, "m", patients, MANY, EhrRoundTripBenchmark::directWrites);
        double aloneTransactions = alone(ehr, "t", patients, workers, EhrRoundTripBenchmark::transactionWrites);

        // the same reads (e2guard's own fetch code, no queue, evaluation or bookkeeping) and writes
        org.e2guard.ehr.Ehr main = ehrs.find(HapiJpaEhrResource.EHR).orElseThrow();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        long t2 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < patients; i++) {
            String pid = "bench" + i;
            done.add(pool.submit(() -> {
                fetcher.fetch(main, pid).orElseThrow();
                directWrites(ehr, "r", pid);
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double readWriteSeconds = (System.nanoTime() - t2) / 1e9;
        pool.shutdown();

        String report = String.format(java.util.Locale.ROOT, """
                EHR round trip against HAPI FHIR JPA server 8.8.0 (H2), %d patients, %d e2guard workers
                  the EHR accepting %d single-patient transactions from %d threads: %.2f s (%.1f patients/s)
                  end to end (first transaction filed -> last DetectedIssue + Flag + Provenances written):
                    %.2f s, %.2f patients/s
                  per patient, transaction accepted -> Flag written: p50 %.1f s, p95 %.1f s, max %.1f s
                  the EHR alone, same writes (conditional update DetectedIssue and Flag, 2 Provenances):
                    %d threads: %.2f s, %.1f patients/s;  %d threads: %.2f s, %.1f patients/s
                  the EHR alone, same writes as e2guard sends them (a transaction of both, one of both Provenances):
                    %d threads: %.2f s, %.1f patients/s
                  the EHR alone, same reads and writes (%d threads, no queue, no evaluation): %.2f s, %.1f patients/s
                  e2guard end-to-end rate / EHR write rate: %.0f %% (%d threads), %.0f %% (%d threads), %.0f %% (as transactions); / EHR read+write rate: %.0f %%
                """, patients, workers, patients, FILERS, acceptSeconds, patients / acceptSeconds, e2eSeconds,
                patients / e2eSeconds, latency[0], latency[1], latency[2], workers, aloneWorkers, patients / aloneWorkers,
                MANY, aloneMany, patients / aloneMany, workers, aloneTransactions, patients / aloneTransactions,
                workers, readWriteSeconds, patients / readWriteSeconds,
                100 * aloneWorkers / e2eSeconds, workers, 100 * aloneMany / e2eSeconds, MANY,
                100 * aloneTransactions / e2eSeconds, 100 * readWriteSeconds / e2eSeconds);
        System.out.println(report);
        Path out = Path.of("target", "bench", "ehr-roundtrip.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
    }

    private void run(IGenericClient ehr, String prefix, int n) throws Exception {
        file(ehr, prefix, n, new ConcurrentHashMap<>());
        awaitFlags(prefix, n);
    }

    /** Files one transaction per patient from {@link #FILERS} threads; returns the seconds it took. */
    private static double file(IGenericClient ehr, String prefix, int n, Map<String, Instant> accepted) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(FILERS);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String pid = prefix + i;
            done.add(pool.submit(() -> {
                List<Resource> chart = new ArrayList<>(Fixtures.manOnAnastrozole(pid));
                chart.add(Fixtures.estradiol(pid + "-e2", pid, 14, 5));
                Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
                for (Resource r : chart) {
                    String url = r.fhirType() + "/" + r.getIdElement().getIdPart();
                    tx.addEntry().setFullUrl(url).setResource(r).getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(url);
                }
                ehr.transaction().withBundle(tx).execute();
                accepted.put(pid, Instant.now());
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "%s: %d transactions accepted in %.2f s%n", prefix, n, seconds);
        return seconds;
    }

    /** The same writes for the bench patients, under identifiers of their own ({@code run}). */
    /** One patient's writes, under identifiers of a run of their own. */
    private interface Writes {
        void write(IGenericClient ehr, String run, String pid);
    }

    private static double alone(IGenericClient ehr, String run, int n, int threads, Writes writes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String pid = "bench" + i;
            done.add(pool.submit(() -> writes.write(ehr, run, pid)));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        return (System.nanoTime() - start) / 1e9;
    }

    private void awaitSubscriptions(IGenericClient ehr) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (ehr.search().forResource(org.hl7.fhir.r4.model.Subscription.class)
                .where(new TokenClientParam("status").exactly().code("active")).withAdditionalHeader("Cache-Control", "no-cache")
                .returnBundle(Bundle.class).execute().getEntry().size() < 4) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("e2guard's Subscriptions did not become active");
            }
            Thread.sleep(200);
        }
    }

    private void awaitFlags(String prefix, int n) throws Exception {
        long deadline = System.nanoTime() + 900_000_000_000L;
        while (flagsWritten(prefix) < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out: " + flagsWritten(prefix) + " of " + n);
            }
            Thread.sleep(50);
        }
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

    private List<Instant> flagTimes(String prefix) throws SQLException {
        List<Instant> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT patient_id, written_at FROM writeback_state WHERE resource_type = 'Flag' AND patient_id LIKE ?")) {
            ps.setString(1, prefix + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getTimestamp(2).toInstant());
                }
            }
        }
        return out;
    }

    /** p50, p95 and max of (Flag written - transaction accepted), in seconds. */
    private double[] latencies(String prefix, Map<String, Instant> accepted) throws SQLException {
        List<Double> seconds = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT patient_id, written_at FROM writeback_state WHERE resource_type = 'Flag' AND patient_id LIKE ?")) {
            ps.setString(1, prefix + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant in = accepted.get(rs.getString(1));
                    seconds.add((rs.getTimestamp(2).toInstant().toEpochMilli() - in.toEpochMilli()) / 1000.0);
                }
            }
        }
        double[] sorted = seconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new double[] { sorted[(int) Math.floor(0.50 * (sorted.length - 1))],
                sorted[(int) Math.floor(0.95 * (sorted.length - 1))], sorted[sorted.length - 1] };
    }

    private static void directWrites(IGenericClient ehr, String run, String pid) {
        TokenClientParam identifier = new TokenClientParam("identifier");
        DetectedIssue di = new DetectedIssue();
        di.addIdentifier().setSystem("urn:bench").setValue(run + "-" + pid + "-di");
        di.setStatus(DetectedIssue.DetectedIssueStatus.FINAL);
        di.setPatient(new Reference("Patient/" + pid));
        di.setDetail("Estradiol 14 pg/mL on anastrozole: below 20 pg/mL.");
        var diOutcome = ehr.update().resource(di).conditional()
                .where(identifier.exactly().systemAndIdentifier("urn:bench", run + "-" + pid + "-di")).execute();
        provenance(ehr, diOutcome.getId().toUnqualified().getValue());
        Flag flag = new Flag();
        flag.addIdentifier().setSystem("urn:bench").setValue(run + "-" + pid + "-flag");
        flag.setStatus(Flag.FlagStatus.ACTIVE);
        flag.setSubject(new Reference("Patient/" + pid));
        flag.setCode(new org.hl7.fhir.r4.model.CodeableConcept().setText("bench"));
        var flagOutcome = ehr.update().resource(flag).conditional()
                .where(identifier.exactly().systemAndIdentifier("urn:bench", run + "-" + pid + "-flag")).execute();
        provenance(ehr, flagOutcome.getId().toUnqualified().getValue());
    }

    /** The same writes the way e2guard sends them: both resources in one transaction, both Provenances in a second. */
    private static void transactionWrites(IGenericClient ehr, String run, String pid) {
        DetectedIssue di = new DetectedIssue();
        di.addIdentifier().setSystem("urn:bench").setValue(run + "-" + pid + "-di");
        di.setStatus(DetectedIssue.DetectedIssueStatus.FINAL);
        di.setPatient(new Reference("Patient/" + pid));
        di.setDetail("Estradiol 14 pg/mL on anastrozole: below 20 pg/mL.");
        Flag flag = new Flag();
        flag.addIdentifier().setSystem("urn:bench").setValue(run + "-" + pid + "-flag");
        flag.setStatus(Flag.FlagStatus.ACTIVE);
        flag.setSubject(new Reference("Patient/" + pid));
        flag.setCode(new org.hl7.fhir.r4.model.CodeableConcept().setText("bench"));
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Resource r : List.of(di, flag)) {
            String value = ((r instanceof DetectedIssue d) ? d.getIdentifierFirstRep() : ((Flag) r).getIdentifierFirstRep()).getValue();
            tx.addEntry().setFullUrl(org.hl7.fhir.r4.model.IdType.newRandomUuid().getValue()).setResource(r).getRequest()
                    .setMethod(Bundle.HTTPVerb.PUT).setUrl(r.fhirType() + "?identifier=urn:bench|" + value);
        }
        Bundle written = ehr.transaction().withBundle(tx).execute();
        Bundle provenances = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Bundle.BundleEntryComponent e : written.getEntry()) {
            Provenance p = new Provenance();
            p.addTarget(new Reference(e.getResponse().getLocation()));
            p.setRecorded(new java.util.Date());
            p.addAgent().setWho(new Reference("Device/bench"));
            provenances.addEntry().setResource(p).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Provenance");
        }
        ehr.transaction().withBundle(provenances).execute();
    }

    private static void provenance(IGenericClient ehr, String target) {
        Provenance p = new Provenance();
        p.addTarget(new Reference(target));
        p.setRecorded(new java.util.Date());
        p.addAgent().setWho(new Reference("Device/bench"));
        ehr.create().resource(p).execute();
    }
}
