package org.e2guard.population;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
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
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Population dry runs as asynchronous jobs (the FHIR asynchronous request pattern): accepted at
 * once, run on a small pool, polled, cancelled. Each job is a directory under the work directory
 * with its {@code status.json}, the fetched inputs while it runs, and its outputs: state survives a
 * restart of this replica (a job interrupted by one is reported failed). It is not shared between
 * replicas: a poll must reach the replica that took the job (docs/OPERATIONS.md).
 */
@ApplicationScoped
public class PopulationJobs {
    private static final Logger LOG = Logger.getLogger(PopulationJobs.class);
    static final String STATUS = "status.json";
    static final String SUMMARY = "summary.json";
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
    private final Map<String, PopulationJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, Boolean> cancelled = new ConcurrentHashMap<>();

    public PopulationJobs(PopulationConfig config, FhirContext ctx, EvaluationService evaluation, RulesConfig rules,
                          EhrRegistry ehrs, Clock clock, @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this.config = config;
        this.clock = clock;
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

    /** Reloads the jobs of this replica's work directory; jobs a restart interrupted are failed, expired ones deleted. */
    void onStart(@Observes StartupEvent e) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                Path status = dir.resolve(STATUS);
                if (!Files.exists(status)) {
                    continue;
                }
                PopulationJob job = PopulationJson.MAPPER.readValue(status.toFile(), PopulationJob.class);
                if (!job.state().over()) {
                    job = job.failed(new PopulationJob.Failure(500,
                            "The service restarted while this dry run was running; submit it again."), clock.instant());
                    save(job);
                }
                if (expired(job)) {
                    delete(dir);
                } else {
                    jobs.put(job.id(), job);
                }
            }
        }
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
        jobs.put(id, job);
        save(job);
        pool.submit(() -> execute(job, request));
        return job;
    }

    public Optional<PopulationJob> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /**
     * Cancels a queued or running job, or deletes a finished one's outputs; false when unknown.
     * The running job stops at its next check (within one line or patient).
     */
    public boolean cancel(String id) {
        PopulationJob job = jobs.remove(id);
        if (job == null) {
            return false;
        }
        cancelled.put(id, true);
        if (job.state().over()) {
            delete(dir(id));
            cancelled.remove(id);
        }
        return true;
    }

    /** A finished job's output file of a type, or empty. */
    public Optional<Path> output(String id, String type) {
        PopulationJob job = jobs.get(id);
        if (job == null || job.state() != PopulationJob.State.DONE || !OUTPUT_TYPES.contains(type)) {
            return Optional.empty();
        }
        Path p = dir(id).resolve("out").resolve(type + ".ndjson");
        return Files.exists(p) ? Optional.of(p) : Optional.empty();
    }

    /** A finished job's summary (for its report), or empty. */
    public Optional<PopulationSummary> summary(String id) {
        PopulationJob job = jobs.get(id);
        if (job == null || job.state() != PopulationJob.State.DONE) {
            return Optional.empty();
        }
        try {
            return Optional.of(PopulationJson.MAPPER.readValue(dir(id).resolve("out").resolve(SUMMARY).toFile(),
                    PopulationSummary.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void execute(PopulationJob queued, PopulationRequest request) {
        String id = queued.id();
        if (cancelled.remove(id) != null) {
            delete(dir(id));
            return;
        }
        PopulationRun.Progress progress = new PopulationRun.Progress() {
            @Override
            public void update(String text) {
                // in memory only: a poll after a restart learns that the job was interrupted instead
                jobs.computeIfPresent(id, (k, current) -> current.with(PopulationJob.State.RUNNING, text));
            }

            @Override
            public boolean cancelled() {
                return cancelled.containsKey(id);
            }
        };
        Instant t0 = clock.instant();
        try {
            update(id, job -> job.with(PopulationJob.State.RUNNING, "fetching the input"));
            List<PopulationRun.Input> inputs = fetch(id, request, progress);
            Path out = dir(id).resolve("out");
            PopulationSummary summary = run.run(inputs, request.asOf(), request.settings(), PopulationRun.Shard.ALL,
                    dir(id).resolve("work"), out, progress);
            PopulationJson.MAPPER.writeValue(out.resolve(SUMMARY).toFile(), summary);
            delete(dir(id).resolve("input"));
            delete(dir(id).resolve("work"));
            List<PopulationJob.Output> files = new ArrayList<>();
            for (String type : OUTPUT_TYPES) {
                Path f = out.resolve(type + ".ndjson");
                if (Files.exists(f)) {
                    try (Stream<String> lines = Files.lines(f)) {
                        files.add(new PopulationJob.Output(type, type + ".ndjson", lines.count()));
                    }
                }
            }
            update(id, job -> job.done(files, clock.instant()));
            LOG.infof("population dry run %s done: %d patients, %d settings, %d buckets, %d s", id,
                    summary.columns().get(0).evaluated(), summary.columns().size(), summary.buckets(),
                    Duration.between(t0, clock.instant()).toSeconds());
        } catch (CancellationException e) {
            LOG.infof("population dry run %s cancelled", id);
        } catch (PopulationException e) {
            fail(id, new PopulationJob.Failure(e.status(), e.getMessage()));
        } catch (IOException | RuntimeException e) {
            // the exception may carry input text: its type only, the job id for the operator
            LOG.errorf("population dry run %s failed: %s", id, e.getClass().getName());
            fail(id, new PopulationJob.Failure(500, "The dry run failed (" + e.getClass().getSimpleName() + "); see the service log."));
        } finally {
            if (cancelled.remove(id) != null) {
                delete(dir(id));
            }
        }
    }

    private void fail(String id, PopulationJob.Failure failure) {
        update(id, job -> job.failed(failure, clock.instant()));
        delete(dir(id).resolve("input"));
        delete(dir(id).resolve("work"));
        delete(dir(id).resolve("out"));
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
            if (u.getScheme().equalsIgnoreCase(p.getScheme()) && u.getHost().toLowerCase(Locale.ROOT).equals(
                    p.getHost() == null ? null : p.getHost().toLowerCase(Locale.ROOT)) && port(u) == port(p) && pathOk) {
                return true;
            }
        }
        return false;
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private void expire() {
        for (PopulationJob job : List.copyOf(jobs.values())) {
            if (expired(job)) {
                jobs.remove(job.id());
                delete(dir(job.id()));
            }
        }
    }

    private boolean expired(PopulationJob job) {
        return job.state().over() && job.finished() != null && job.finished().plus(config.keep()).isBefore(clock.instant());
    }

    private Path dir(String id) {
        return root.resolve(id);
    }

    /** Changes a job that is still known (not cancelled meanwhile) and persists the change. */
    private void update(String id, java.util.function.UnaryOperator<PopulationJob> change) {
        PopulationJob changed = jobs.computeIfPresent(id, (k, job) -> change.apply(job));
        if (changed != null) {
            save(changed);
        }
    }

    private void save(PopulationJob job) {
        try {
            Path tmp = dir(job.id()).resolve(STATUS + ".tmp");
            PopulationJson.MAPPER.writeValue(tmp.toFile(), job);
            Files.move(tmp, dir(job.id()).resolve(STATUS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
