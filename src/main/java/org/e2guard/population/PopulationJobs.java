package org.e2guard.population;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrRegistry;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.mapping.output.FindingResources;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Population dry runs as asynchronous jobs (the FHIR asynchronous request pattern): accepted at
 * once, run on a small pool, polled, cancelled. A job runs on the replica that accepted it, in a
 * scratch directory under the work directory (the fetched inputs and the patient buckets); its
 * state and, once done, its outputs are in PostgreSQL ({@link PopulationJobStore}), so a poll, a
 * DELETE or a download may reach any replica. A job whose replica stopped renewing its heartbeat
 * (it died or was restarted) is reported failed by whichever replica is asked.
 */
@ApplicationScoped
public class PopulationJobs {
    private static final Logger LOG = Logger.getLogger(PopulationJobs.class);
    static final String SUMMARY = "summary.json";
    /** How often a replica renews the heartbeat of the jobs it runs. */
    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    /** A job not renewed for this long has lost its replica: six heartbeats, room for a long GC pause. */
    static final Duration STALE = Duration.ofSeconds(60);
    /** How often a running job writes its progress and asks whether it was deleted meanwhile. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    /** The output files a client may fetch, in manifest order. */
    public static final List<String> OUTPUT_TYPES = List.of("MeasureReport", "DetectedIssue", "OperationOutcome");

    private final PopulationConfig config;
    private final PopulationRun run;
    private final Clock clock;
    private final Path root;
    private final ExecutorService pool;
    private final HttpClient http;
    private final EhrRegistry ehrs;
    private final BulkExport export;
    private final PopulationJobStore store;
    /** This process among the replicas: the pod's name and a start nonce (a restarted pod is another owner). */
    private final String owner;
    /** The jobs this replica has queued or running, each with whether a DELETE here asked it to stop. */
    private final Map<String, Boolean> local = new ConcurrentHashMap<>();

    public PopulationJobs(PopulationConfig config, FhirContext ctx, EvaluationService evaluation, RulesConfig rules,
                          EhrRegistry ehrs, PopulationJobStore store, Clock clock,
                          @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this.config = config;
        this.store = store;
        this.clock = clock;
        this.owner = hostName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.run = new PopulationRun(ctx, evaluation, rules, new FindingResources(version), config.bucketSize().asLongValue(),
                config.listedPatients(), clock);
        this.root = Path.of(config.workDir().orElse(System.getProperty("java.io.tmpdir") + "/e2guard-population"));
        this.pool = Executors.newFixedThreadPool(Math.max(1, config.concurrentJobs()), r -> {
            Thread t = new Thread(r, "population-dry-run");
            t.setDaemon(true);
            return t;
        });
        // redirects are not followed: a redirect could leave the allow-list
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(30)).build();
        this.ehrs = ehrs;
        this.export = new BulkExport(http, config, clock);
    }

    /**
     * Clears the scratch directories a previous process of this replica left behind, and fails
     * their jobs at once instead of after the heartbeat goes stale: a restarted pod (same host
     * name, another start nonce) cannot resume them. Directories of other owners' live jobs (a
     * work directory shared on purpose) are left alone.
     */
    void onStart(@Observes StartupEvent e) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        String previousSelf = owner.substring(0, owner.lastIndexOf('/') + 1);
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                Optional<PopulationJobStore.Stored> stored = store.find(dir.getFileName().toString());
                if (stored.isPresent() && !stored.get().job().state().over() && stored.get().owner().startsWith(previousSelf)) {
                    store.failStale(stored.get().job().failed(new PopulationJob.Failure(500,
                            "The service restarted while this dry run was running; submit it again."), clock.instant()),
                            stored.get().heartbeat(), clock.instant());
                    delete(dir);
                } else if (stored.map(s -> s.job().state().over() || stale(s)).orElse(true)) {
                    delete(dir);
                }
            }
        }
    }

    /** Keeps the jobs this replica runs alive in the store, and deletes expired ones. */
    @Scheduled(identity = "e2guard-population-heartbeat", every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void heartbeat() {
        store.heartbeat(local.keySet(), clock.instant());
        expire();
    }

    @PreDestroy
    void stop() {
        pool.shutdownNow();
    }

    /** The rule settings a request names, checked before a job is accepted. */
    public void check(PopulationRequest request) {
        if (request.export().isPresent()) {
            PopulationRequest.ExportSource source = request.export().get();
            if (!request.urls().isEmpty()) {
                throw new PopulationException(400, "Give either 'input' URLs or an 'ehr' to export from, not both.");
            }
            if (ehrs.find(source.ehr()).isEmpty()) {
                throw new PopulationException(400, "No EHR named '" + source.ehr() + "' is configured (e2guard.ehr."
                        + source.ehr() + ".base-url); configured: " + ehrs.all().stream().map(Ehr::name).toList());
            }
            if (source.group() != null && !source.group().matches(BulkExport.FHIR_ID)) {
                throw new PopulationException(400, "'group' must be a FHIR id (letters, digits, '-', '.'; at most 64), not '"
                        + source.group() + "'");
            }
        } else if (request.urls().isEmpty()) {
            throw new PopulationException(400, "No input: give at least one NDJSON file as an 'input' URL, or an 'ehr' to"
                    + " export the population from.");
        }
        for (int i = 0; i < request.urls().size(); i++) {
            String url = request.urls().get(i);
            if (!allowed(url)) {
                throw new PopulationException(400, "input " + (i + 1) + " is not on the allow-list of URLs e2guard may fetch"
                        + " from (e2guard.population.allowed-urls): " + url);
            }
        }
        if (request.settings().size() > config.maxSettings()) {
            throw new PopulationException(400, request.settings().size() + " what-if settings; at most "
                    + config.maxSettings() + " (e2guard.population.max-settings)");
        }
        try {
            run.engines(request.settings());
        } catch (IllegalArgumentException e) {
            throw new PopulationException(400, e.getMessage());
        }
    }

    /** Accepts a checked request as a job and queues it; returns its id. */
    public PopulationJob submit(PopulationRequest request) {
        check(request);
        expire();
        String id = UUID.randomUUID().toString();
        PopulationJob job = new PopulationJob(id, PopulationJob.State.QUEUED, "queued", clock.instant(), null,
                request.urls().size(), request.asOf(), request.settings().stream().map(Setting::name).toList(), null, List.of());
        try {
            Files.createDirectories(dir(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store.insert(job, owner, clock.instant());
        local.put(id, false);
        pool.submit(() -> execute(job, request));
        return job;
    }

    /** A job as any replica sees it: one whose replica stopped is failed here and now. */
    public Optional<PopulationJob> job(String id) {
        Optional<PopulationJobStore.Stored> found = store.find(id);
        if (found.isEmpty() || !stale(found.get()) || local.containsKey(id)) {
            return found.map(PopulationJobStore.Stored::job);
        }
        PopulationJob failed = found.get().job().failed(new PopulationJob.Failure(500,
                "The replica running this dry run stopped before it finished; submit it again."), clock.instant());
        if (store.failStale(failed, found.get().heartbeat(), clock.instant())) {
            return Optional.of(failed);
        }
        // its owner wrote meanwhile: it was slow, not gone
        return store.find(id).map(PopulationJobStore.Stored::job);
    }

    /**
     * Cancels a queued or running job, or deletes a finished one's outputs, from any replica;
     * false when unknown. The running job, wherever it runs, stops at its next check (within
     * {@link #PROGRESS_EVERY} on its replica, at once on this one).
     */
    public boolean cancel(String id) {
        local.computeIfPresent(id, (k, asked) -> true);
        return store.delete(id);
    }

    /** A finished job's output of a type (NDJSON, read as it streams), or empty. */
    public Optional<InputStream> output(String id, String type) {
        if (!OUTPUT_TYPES.contains(type) || job(id).filter(j -> j.state() == PopulationJob.State.DONE).isEmpty()) {
            return Optional.empty();
        }
        return store.output(id, type + ".ndjson");
    }

    /** A finished job's summary (for its report), or empty. */
    public Optional<PopulationSummary> summary(String id) {
        if (job(id).filter(j -> j.state() == PopulationJob.State.DONE).isEmpty()) {
            return Optional.empty();
        }
        return store.output(id, SUMMARY).map(in -> {
            try (in) {
                return PopulationJson.MAPPER.readValue(in, PopulationSummary.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private void execute(PopulationJob queued, PopulationRequest request) {
        String id = queued.id();
        RunningJob progress = new RunningJob(queued);
        Instant t0 = clock.instant();
        try {
            progress.save(queued.with(PopulationJob.State.RUNNING, "fetching the input"));
            List<PopulationRun.Input> inputs = fetch(id, request, progress);
            Path out = dir(id).resolve("out");
            PopulationSummary summary = run.run(inputs, request.asOf(), request.settings(), PopulationRun.Shard.ALL,
                    dir(id).resolve("work"), out, progress);
            PopulationJson.MAPPER.writeValue(out.resolve(SUMMARY).toFile(), summary);
            delete(dir(id).resolve("input"));
            delete(dir(id).resolve("work"));
            if (progress.cancelled()) {
                throw new CancellationException();
            }
            progress.update("storing the outputs");
            store.putOutput(id, SUMMARY, out.resolve(SUMMARY));
            List<PopulationJob.Output> files = new ArrayList<>();
            for (String type : OUTPUT_TYPES) {
                Path f = out.resolve(type + ".ndjson");
                if (Files.exists(f)) {
                    try (Stream<String> lines = Files.lines(f)) {
                        files.add(new PopulationJob.Output(type, type + ".ndjson", lines.count()));
                    }
                    store.putOutput(id, type + ".ndjson", f);
                }
            }
            progress.save(progress.job.done(files, clock.instant()));
            LOG.infof("population dry run %s done: %d patients, %d settings, %d buckets, %d s", id,
                    summary.columns().get(0).evaluated(), summary.columns().size(), summary.buckets(),
                    Duration.between(t0, clock.instant()).toSeconds());
        } catch (CancellationException e) {
            LOG.infof("population dry run %s cancelled", id);
        } catch (PopulationException e) {
            progress.fail(new PopulationJob.Failure(e.status(), e.getMessage()));
        } catch (IOException | RuntimeException e) {
            if (!store.exists(id)) {
                // deleted on another replica while its outputs were being stored
                LOG.infof("population dry run %s cancelled", id);
                return;
            }
            // the exception may carry input text: its type only, the job id for the operator
            LOG.errorf("population dry run %s failed: %s", id, e.getClass().getName());
            progress.fail(new PopulationJob.Failure(500, "The dry run failed (" + e.getClass().getSimpleName() + "); see the service log."));
        } finally {
            // everything worth keeping is in the store now; the directory was scratch
            local.remove(id);
            delete(dir(id));
        }
    }

    /**
     * A job while it runs on this replica: its progress goes to the store at most every
     * {@link #PROGRESS_EVERY}, and each write tells whether the job was deleted meanwhile (a DELETE
     * on another replica), which cancels it.
     */
    private final class RunningJob implements PopulationRun.Progress {
        private PopulationJob job;
        private Instant saved = Instant.MIN;
        private boolean gone;

        RunningJob(PopulationJob job) {
            this.job = job;
        }

        @Override
        public void update(String text) {
            job = job.with(PopulationJob.State.RUNNING, text);
            if (due()) {
                write(job);
            }
        }

        @Override
        public boolean cancelled() {
            if (due()) {
                write(job);
            }
            return gone || Boolean.TRUE.equals(local.get(job.id()));
        }

        /** Saves a change of state that must not be lost: a job deleted meanwhile stops here. */
        void save(PopulationJob changed) {
            if (!write(changed)) {
                throw new CancellationException();
            }
        }

        private boolean due() {
            return !gone && !clock.instant().isBefore(saved.plus(PROGRESS_EVERY));
        }

        private boolean write(PopulationJob changed) {
            job = changed;
            saved = clock.instant();
            gone = gone || !store.save(changed, saved);
            return !gone;
        }

        void fail(PopulationJob.Failure failure) {
            if (!gone) {
                store.save(job.failed(failure, clock.instant()), clock.instant());
            }
        }
    }

    /** Downloads each input URL into the job's directory, within the time and size limits. */
    private List<PopulationRun.Input> fetch(String id, PopulationRequest request, PopulationRun.Progress progress)
            throws IOException {
        Path dir = Files.createDirectories(dir(id).resolve("input"));
        Downloader downloads = new Downloader(http, config);
        if (request.export().isPresent()) {
            PopulationRequest.ExportSource source = request.export().get();
            Ehr ehr = ehrs.find(source.ehr()).orElseThrow();
            return export.run(ehr, source.group(), dir, downloads, progress);
        }
        List<String> urls = request.urls();
        List<PopulationRun.Input> inputs = new ArrayList<>();
        for (int i = 0; i < urls.size(); i++) {
            if (progress.cancelled()) {
                throw new CancellationException();
            }
            progress.update("fetching input " + (i + 1) + " of " + urls.size());
            Path file = dir.resolve(String.format("%04d.ndjson", i));
            int status = downloads.get("input " + (i + 1), URI.create(urls.get(i)), null, file);
            if (status != 200) {
                throw new PopulationException(502, "input " + (i + 1) + " could not be fetched: HTTP " + status);
            }
            inputs.add(new PopulationRun.Input("input " + (i + 1), file));
        }
        return inputs;
    }

    /** Whether a URL falls under a configured prefix: same scheme, host and port, and a path below the prefix's. */
    boolean allowed(String url) {
        URI u;
        try {
            u = new URI(url).normalize();
        } catch (java.net.URISyntaxException e) {
            return false;
        }
        if (u.getScheme() == null || u.getHost() == null || u.getRawUserInfo() != null
                || !(u.getScheme().equalsIgnoreCase("https") || u.getScheme().equalsIgnoreCase("http"))
                || (u.getRawPath() != null && u.getRawPath().contains("/../"))) {
            return false;
        }
        for (String prefix : config.allowedUrls().orElse(List.of())) {
            URI p = URI.create(prefix.trim()).normalize();
            String path = p.getRawPath() == null || p.getRawPath().isEmpty() ? "/" : p.getRawPath();
            String upath = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            boolean pathOk = upath.equals(path) || upath.startsWith(path.endsWith("/") ? path : path + "/");
            if (pathOk && BulkExport.sameOrigin(u, p)) {
                return true;
            }
        }
        return false;
    }

    private void expire() {
        int n = store.deleteFinishedBefore(clock.instant().minus(config.keep()));
        if (n > 0) {
            LOG.infof("deleted %d population dry run(s) finished more than %s ago", n, config.keep());
        }
    }

    private boolean stale(PopulationJobStore.Stored stored) {
        return !stored.job().state().over() && stored.heartbeat().plus(STALE).isBefore(clock.instant());
    }

    private static String hostName() {
        String pod = System.getenv("HOSTNAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "replica";
        }
    }

    private Path dir(String id) {
        return root.resolve(id);
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", dir.getFileName(), e.getClass().getSimpleName());
        }
    }
}
