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
 * test run; {@code bench/ehr-roundtrip.sh} runs it), measuring what issue 10's target names:
 * <ul>
 * <li>capacity: N single-patient transactions (a chart with an estradiol of 14 pg/mL) are filed in
 * the EHR with e2guard's outbox workers paused; once HAPI has delivered every notification through
 * its rest-hook Subscriptions, the workers resume and the drain is timed until every patient's
 * DetectedIssue, Flag and Provenances are written back. The arrivals are out of the clock, so this
 * is what e2guard can do, not how fast the EHR takes the filings;</li>
 * <li>latency at half that capacity: patients filed at a steady pace, and per patient the EHR's
 * delivery delay (transaction accepted to first notification stored) apart from e2guard's own
 * (first notification stored to Flag written, {@code writeback_state.notified_at} to
 * {@code written_at});</li>
 * <li>the same EHR, on its own, taking the same kind and number of writes from a plain FHIR client,
 * with as many threads as e2guard has workers and with more: what the EHR can accept bounds what
 * e2guard can deliver.</li>
 * </ul>
 */
@QuarkusTest
@WithTestResource(HapiJpaEhrResource.class)
@EnabledIfSystemProperty(named = "e2guard.bench", matches = "true")
class EhrRoundTripBenchmark {
    static final int FILERS = 4;
    static final int MANY = 8;
    static final int WARM = 20;
    static final long QUIET_MILLIS = 5000;

    @ConfigProperty(name = "e2guard.test.real-ehr-base", defaultValue = "http://127.0.0.1:1/fhir")
    String ehrBase;
    @Inject
    DataSource db;
    @Inject
    WritebackConfig writeback;
    @Inject
    org.e2guard.outbox.OutboxWorkers workers;
    @ConfigProperty(name = "e2guard.subscription.debounce")
    String debounce;
    @Inject
    org.e2guard.ehr.PatientContextFetcher fetcher;
    @Inject
    org.e2guard.ehr.EhrRegistry ehrs;
    @Inject
    io.micrometer.core.instrument.MeterRegistry metrics;
    /** Notifications accepted before the current phase. */
    private double baseline;

    @Test
    void roundTrip() throws Exception {
        int patients = Integer.getInteger("e2guard.bench.patients", 200);
        FhirContext ctx = FhirContext.forR4Cached();
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        IGenericClient ehr = ctx.newRestfulGenericClient(ehrBase);
        awaitSubscriptions(ehr);

        // warm-up, and how many notifications the EHR sends per patient: filed with the workers
        // paused, counted once the EHR has gone quiet, then drained
        workers.pause();
        baseline = received();
        file(ehr, "warm", WARM, new ConcurrentHashMap<>());
        long warmNotifications = awaitQuiet();
        if (warmNotifications == 0 || warmNotifications % WARM != 0) {
            throw new IllegalStateException(warmNotifications + " notifications for " + WARM + " patients");
        }
        long perPatient = warmNotifications / WARM;
        workers.resume();
        awaitFlags("warm", WARM);
        awaitNoNotifications();

        // the direct writes' author, as e2guard's Device is e2guard's (the EHR checks references)
        org.hl7.fhir.r4.model.Device device = new org.hl7.fhir.r4.model.Device();
        device.setId("bench");
        ehr.update().resource(device).execute();

        // (a) capacity: the whole backlog queued first, then the drain timed
        workers.pause();
        double acceptSeconds = file(ehr, "bench", patients, new ConcurrentHashMap<>());
        long stored = awaitNotifications(patients * perPatient);
        if (flagsWritten("bench") != 0) {
            throw new IllegalStateException("paused workers wrote back");
        }
        double loadBefore = load();
        Instant resumed = Instant.now();
        workers.resume();
        awaitFlags("bench", patients);
        Instant last = flagTimes("bench").stream().max(Instant::compareTo).orElseThrow();
        double drainSeconds = (last.toEpochMilli() - resumed.toEpochMilli()) / 1000.0;
        double capacity = patients / drainSeconds;
        double loadAfterDrain = load();
        awaitNoNotifications();

        // (b) latency at half the capacity: patients filed at a steady pace
        double pace = capacity / 2;
        Map<String, Instant> accepted = new ConcurrentHashMap<>();
        int paced = patients;
        double pacedSeconds = filePaced(ehr, "paced", paced, pace, accepted);
        awaitFlags("paced", paced);
        Latencies lat = latencies("paced", accepted);
        double loadAfterPaced = load();

        int workerCount = writeback.workers();
        double aloneWorkers = alone(ehr, "w", patients, workerCount, EhrRoundTripBenchmark::directWrites);
        double aloneMany = alone(ehr, "m", patients, MANY, EhrRoundTripBenchmark::directWrites);
        double aloneTransactions = alone(ehr, "t", patients, workerCount, EhrRoundTripBenchmark::transactionWrites);

        // the same reads (e2guard's own fetch code, no queue, evaluation or bookkeeping) and writes
        org.e2guard.ehr.Ehr main = ehrs.find(HapiJpaEhrResource.EHR).orElseThrow();
        ExecutorService pool = Executors.newFixedThreadPool(workerCount);
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
                EHR round trip against HAPI FHIR JPA server 8.8.0 (H2), %d patients, %d e2guard workers, debounce %s
                  the EHR accepting %d single-patient transactions from %d threads: %.2f s (%.1f patients/s); %d notifications (%d per patient)
                  (a) capacity: backlog of %d patients queued with the workers paused, then drained:
                    %.2f s, %.2f patients/s  (load average %.1f before, %.1f after)
                  (b) latency at %.2f patients/s (half the capacity), %d patients filed over %.1f s (load average %.1f after):
                    EHR delivery delay, transaction accepted -> first notification at e2guard: p50 %.2f s, p95 %.2f s, max %.2f s
                    e2guard, first notification at e2guard -> Flag written:                  p50 %.2f s, p95 %.2f s, max %.2f s
                    end to end, transaction accepted -> Flag written:                         p50 %.2f s, p95 %.2f s, max %.2f s
                  the EHR alone, same writes (conditional update DetectedIssue and Flag, 2 Provenances):
                    %d threads: %.2f s, %.1f patients/s;  %d threads: %.2f s, %.1f patients/s
                  the EHR alone, same writes as e2guard sends them (a transaction of both, one of both Provenances):
                    %d threads: %.2f s, %.1f patients/s
                  the EHR alone, same reads and writes (%d threads, no queue, no evaluation): %.2f s, %.1f patients/s
                  e2guard capacity / EHR write rate: %.0f %% (%d threads), %.0f %% (%d threads), %.0f %% (as transactions); / EHR read+write rate: %.0f %%
                """, patients, workerCount, debounce, patients, FILERS, acceptSeconds, patients / acceptSeconds, stored,
                perPatient, patients, drainSeconds, capacity, loadBefore, loadAfterDrain, pace, paced, pacedSeconds,
                loadAfterPaced, lat.delivery()[0], lat.delivery()[1], lat.delivery()[2], lat.e2guard()[0], lat.e2guard()[1],
                lat.e2guard()[2], lat.total()[0], lat.total()[1], lat.total()[2],
                workerCount, aloneWorkers, patients / aloneWorkers,
                MANY, aloneMany, patients / aloneMany, workerCount, aloneTransactions, patients / aloneTransactions,
                workerCount, readWriteSeconds, patients / readWriteSeconds,
                100 * aloneWorkers / drainSeconds, workerCount, 100 * aloneMany / drainSeconds, MANY,
                100 * aloneTransactions / drainSeconds, 100 * readWriteSeconds / drainSeconds);
        System.out.println(report);
        Path out = Path.of("target", "bench", "ehr-roundtrip.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
    }

    private static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /**
     * Files one transaction per patient at a steady pace (patient i at i / rate seconds) from
     * {@link #FILERS} threads; returns the seconds from the first to the last accepted.
     */
    private static double filePaced(IGenericClient ehr, String prefix, int n, double rate, Map<String, Instant> accepted)
            throws Exception {
        java.util.concurrent.ScheduledExecutorService pool = Executors.newScheduledThreadPool(FILERS);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String pid = prefix + i;
            long at = (long) (i * 1e9 / rate);
            done.add(pool.schedule(() -> fileOne(ehr, pid, accepted), at, java.util.concurrent.TimeUnit.NANOSECONDS));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Notifications e2guard has accepted in this phase. Each is stored durably before it is
     * answered, but most no longer as a row of their own (the patient's row records them), so
     * the count comes from the service's own counter.
     */
    private long notificationsStored() {
        return (long) (received() - baseline);
    }

    private double received() {
        return metrics.find("e2guard.notifications.received").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    private long count(String sql) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the EHR has delivered nothing new for {@link #QUIET_MILLIS}; the notifications stored. */
    private long awaitQuiet() throws InterruptedException {
        long seen = -1;
        long since = System.nanoTime();
        while (true) {
            long now = notificationsStored();
            if (now != seen) {
                seen = now;
                since = System.nanoTime();
            } else if (now > 0 && System.nanoTime() - since > QUIET_MILLIS * 1_000_000L) {
                return now;
            }
            Thread.sleep(100);
        }
    }

    private long awaitNotifications(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 900_000_000_000L;
        long stored;
        while ((stored = notificationsStored()) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out: " + stored + " of " + expected + " notifications");
            }
            Thread.sleep(50);
        }
        return stored;
    }

    private void awaitNoNotifications() throws InterruptedException {
        while (count("SELECT count(*) FROM ehr_outbox") > 0) {
            Thread.sleep(50);
        }
        baseline = received();
    }

    /** Files one transaction per patient from {@link #FILERS} threads; returns the seconds it took. */
    private static double file(IGenericClient ehr, String prefix, int n, Map<String, Instant> accepted) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(FILERS);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String pid = prefix + i;
            done.add(pool.submit(() -> fileOne(ehr, pid, accepted)));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "%s: %d transactions accepted in %.2f s%n", prefix, n, seconds);
        return seconds;
    }

    /** One patient's chart (estradiol 14 pg/mL on anastrozole) as one transaction; records when the EHR accepted it. */
    private static void fileOne(IGenericClient ehr, String pid, Map<String, Instant> accepted) {
        ehr.transaction().withBundle(Fixtures.transaction(Fixtures.oneFinding(pid))).execute();
        accepted.put(pid, Instant.now());
    }

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

    /** p50, p95 and max, in seconds, of each part of a patient's way from the EHR to its Flag written back. */
    record Latencies(double[] delivery, double[] e2guard, double[] total) {
    }

    private Latencies latencies(String prefix, Map<String, Instant> accepted) throws SQLException {
        List<Double> delivery = new ArrayList<>();
        List<Double> e2guard = new ArrayList<>();
        List<Double> total = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT patient_id, notified_at, written_at FROM writeback_state WHERE resource_type = 'Flag' AND patient_id LIKE ?")) {
            ps.setString(1, prefix + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long in = accepted.get(rs.getString(1)).toEpochMilli();
                    long notified = rs.getTimestamp(2).toInstant().toEpochMilli();
                    long written = rs.getTimestamp(3).toInstant().toEpochMilli();
                    delivery.add((notified - in) / 1000.0);
                    e2guard.add((written - notified) / 1000.0);
                    total.add((written - in) / 1000.0);
                }
            }
        }
        return new Latencies(percentiles(delivery), percentiles(e2guard), percentiles(total));
    }

    private static double[] percentiles(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
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
