package org.e2guard.population;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;

import org.e2guard.ehr.Ehr;
import org.e2guard.ehr.EhrException;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A FHIR Bulk Data export that e2guard runs itself on a configured EHR, for a dry run: kick-off
 * ({@code Patient/$export} or {@code Group/[id]/$export}, {@code Prefer: respond-async}), polls of
 * the status URL honouring {@code Retry-After} within bounds, then the manifest's files downloaded
 * to disk. Requests carry the EHR's own credentials ({@link Ehr#auth()}, e.g. its SMART Backend
 * Services token), and only to the EHR's own origin: a manifest naming another host gets no token.
 * A cancelled or timed-out export is cancelled on the EHR too ({@code DELETE} of the status URL).
 *
 * <p>Messages name HTTP statuses, counts and the EHR's refusal of the request, never file
 * contents: an export's error file can cite patients.
 */
final class BulkExport {
    private static final Logger LOG = Logger.getLogger(BulkExport.class);
    /** A FHIR id: the only Group ids put into the kick-off URL. */
    static final String FHIR_ID = "[A-Za-z0-9\\-.]{1,64}";
    private static final int MAX_DIAGNOSTICS = 300;
    /** How often a wait checks whether its job was cancelled. */
    private static final Duration CANCEL_CHECK = Duration.ofMillis(200);

    private final HttpClient http;
    private final PopulationConfig config;
    private final Clock clock;

    BulkExport(HttpClient http, PopulationConfig config, Clock clock) {
        this.http = http;
        this.config = config;
        this.clock = clock;
    }

    /** Runs the export and downloads its files into {@code dir}; returns them as the dry run's inputs. */
    List<PopulationRun.Input> run(Ehr ehr, String group, Path dir, Downloader downloads, PopulationRun.Progress progress)
            throws IOException {
        URI base = URI.create(ehr.config().baseUrl().endsWith("/") ? ehr.config().baseUrl() : ehr.config().baseUrl() + "/");
        String what = "the EHR " + ehr.name();
        URI kickOff = base.resolve((group == null ? "Patient" : "Group/" + group) + "/$export?_type="
                + String.join(",", config.exportTypes()));
        progress.update("asking " + what + " for a Bulk Data export");
        HttpResponse<String> r = send(ehr, base, kickOff, "GET", what + "'s export kick-off");
        if (r.statusCode() != 202) {
            throw new PopulationException(502, what + " refused the export (" + kickOff.getPath() + "): HTTP " + r.statusCode()
                    + diagnostics(r));
        }
        String location = r.headers().firstValue("Content-Location").orElse(null);
        if (location == null || location.isBlank()) {
            throw new PopulationException(502, what + " accepted the export but gave no Content-Location to poll");
        }
        URI status = kickOff.resolve(location.trim());
        JsonNode manifest = await(ehr, base, status, what, progress);
        return download(ehr, base, manifest, what, dir, downloads, progress);
    }

    /** Polls the status URL until the manifest comes, the export fails, the job is cancelled or the time is up. */
    private JsonNode await(Ehr ehr, URI base, URI status, String what, PopulationRun.Progress progress) {
        long deadline = System.nanoTime() + config.exportTimeout().toNanos();
        for (int poll = 1; ; poll++) {
            if (progress.cancelled()) {
                cancelOnEhr(ehr, base, status, what);
                throw new CancellationException();
            }
            HttpResponse<String> r = send(ehr, base, status, "GET", what + "'s export status");
            switch (r.statusCode()) {
                case 200 -> {
                    try {
                        return PopulationJson.MAPPER.readTree(r.body());
                    } catch (IOException e) {
                        throw new PopulationException(502, what + "'s export manifest is not JSON");
                    }
                }
                // 429: the spec's answer to polling too often; wait as told, like a 202
                case 202, 429 -> {
                    if (System.nanoTime() > deadline) {
                        cancelOnEhr(ehr, base, status, what);
                        throw new PopulationException(504, what + "'s export did not finish within " + config.exportTimeout()
                                + " (e2guard.population.export-timeout); it was cancelled on the EHR");
                    }
                    progress.update("waiting for " + what + "'s export (poll " + poll + ")");
                    pause(retryWait(r), progress, () -> cancelOnEhr(ehr, base, status, what));
                }
                default -> throw new PopulationException(502, what + "'s export failed: HTTP " + r.statusCode() + diagnostics(r));
            }
        }
    }

    private List<PopulationRun.Input> download(Ehr ehr, URI base, JsonNode manifest, String what, Path dir,
                                               Downloader downloads, PopulationRun.Progress progress) throws IOException {
        boolean token = manifest.path("requiresAccessToken").asBoolean(false);
        JsonNode errors = manifest.path("error");
        if (errors.isArray() && !errors.isEmpty()) {
            throw new PopulationException(502, what + "'s export reported errors (" + errorSummary(ehr, base, errors, token, dir,
                    downloads) + "); the population would be incomplete, so nothing was evaluated");
        }
        Set<String> wanted = Set.copyOf(config.exportTypes());
        List<JsonNode> files = new ArrayList<>();
        manifest.path("output").forEach(o -> {
            if (wanted.contains(o.path("type").asText())) {
                files.add(o);
            }
        });
        if (files.isEmpty()) {
            throw new PopulationException(422, what + "'s export holds no resources of the types the rules read ("
                    + String.join(", ", config.exportTypes()) + "): no patients to evaluate");
        }
        List<PopulationRun.Input> inputs = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            if (progress.cancelled()) {
                throw new CancellationException();
            }
            String label = "export file " + (i + 1) + " of " + files.size() + " (" + files.get(i).path("type").asText() + ")";
            progress.update("downloading " + label);
            Path file = dir.resolve(String.format("export-%04d.ndjson", i));
            fetch(ehr, base, url(files.get(i), base, what), token, label, file, downloads);
            inputs.add(new PopulationRun.Input(label, file));
        }
        return inputs;
    }

    /** The error files' issue codes and line count; their diagnostics stay out, as they may cite patients. */
    private String errorSummary(Ehr ehr, URI base, JsonNode errors, boolean token, Path dir, Downloader downloads)
            throws IOException {
        Set<String> codes = new TreeSet<>();
        long lines = 0;
        for (int i = 0; i < errors.size(); i++) {
            Path file = dir.resolve(String.format("error-%04d.ndjson", i));
            fetch(ehr, base, url(errors.get(i), base, "the EHR"), token, "export error file " + (i + 1), file, downloads);
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    lines++;
                    try {
                        PopulationJson.MAPPER.readTree(line).path("issue").forEach(issue -> codes.add(issue.path("code").asText("?")));
                    } catch (IOException e) {
                        codes.add("unreadable");
                    }
                }
            }
        }
        return errors.size() + " error file(s), " + lines + " OperationOutcome(s)" + (codes.isEmpty() ? "" : ", issue codes "
                + String.join(", ", codes));
    }

    private void fetch(Ehr ehr, URI base, URI url, boolean token, String label, Path file, Downloader downloads)
            throws IOException {
        if (token && !sameOrigin(url, base)) {
            throw new PopulationException(502, label + " is on another host than the EHR and requires an access token;"
                    + " e2guard sends the EHR's token only to the EHR's own host");
        }
        int status = downloads.get(label, url, token ? authorization(ehr) : null, file);
        if (status == 401 && token) {
            ehr.auth().invalidate();
            status = downloads.get(label, url, authorization(ehr), file);
        }
        if (status != 200) {
            throw new PopulationException(502, label + " could not be fetched from the EHR: HTTP " + status);
        }
    }

    private static URI url(JsonNode entry, URI base, String what) {
        String url = entry.path("url").asText("");
        try {
            return base.resolve(URI.create(url.trim()));
        } catch (IllegalArgumentException e) {
            throw new PopulationException(502, what + "'s export manifest names a file without a usable url");
        }
    }

    /** One exchange with the EHR, with its credentials (on its own origin), and once more after a 401 with a fresh token. */
    private HttpResponse<String> send(Ehr ehr, URI base, URI uri, String method, String what) {
        boolean auth = sameOrigin(uri, base);
        HttpResponse<String> r = exchange(ehr, uri, method, auth, what);
        if (r.statusCode() == 401 && auth) {
            ehr.auth().invalidate();
            r = exchange(ehr, uri, method, true, what);
        }
        return r;
    }

    private HttpResponse<String> exchange(Ehr ehr, URI uri, String method, boolean auth, String what) {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(ehr.config().readTimeout())
                .header("Accept", "application/fhir+json").header("Prefer", "respond-async")
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (auth) {
            String authorization = authorization(ehr);
            if (authorization != null) {
                req.header("Authorization", authorization);
            }
        }
        try {
            return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new PopulationException(504, what + ": no answer within " + ehr.config().readTimeout());
        } catch (IOException e) {
            throw new PopulationException(502, what + ": the EHR could not be reached (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException();
        }
    }

    private static String authorization(Ehr ehr) {
        try {
            return ehr.auth().authorization();
        } catch (EhrException e) {
            throw new PopulationException(502, "e2guard could not authenticate to the EHR " + ehr.name() + ": " + e.getMessage());
        }
    }

    /** Best effort: the EHR can stop working on an export nobody will read. */
    private void cancelOnEhr(Ehr ehr, URI base, URI status, String what) {
        try {
            HttpResponse<String> r = send(ehr, base, status, "DELETE", what + "'s export cancellation");
            LOG.infof("export on EHR %s cancelled: HTTP %d", ehr.name(), r.statusCode());
        } catch (PopulationException | CancellationException e) {
            LOG.warnf("export on EHR %s could not be cancelled there: %s", ehr.name(), e.getMessage());
        }
    }

    /** The wait the EHR asks for ({@code Retry-After}, seconds or an HTTP date), else the configured interval, within bounds. */
    Duration retryWait(HttpResponse<?> r) {
        Duration wait = r.headers().firstValue("Retry-After").map(this::retryAfter).orElse(config.exportPollInterval());
        if (wait.compareTo(config.exportMaxRetryAfter()) > 0) {
            wait = config.exportMaxRetryAfter();
        }
        return wait.isNegative() ? Duration.ZERO : wait;
    }

    private Duration retryAfter(String value) {
        String v = value.trim();
        try {
            return Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException notSeconds) {
            try {
                return Duration.between(clock.instant(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException notADate) {
                return config.exportPollInterval();
            }
        }
    }

    /** Waits, returning early (and cancelling the export on the EHR) when the job is cancelled. */
    private static void pause(Duration wait, PopulationRun.Progress progress, Runnable onCancel) {
        long until = System.nanoTime() + wait.toNanos();
        try {
            for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
                if (progress.cancelled()) {
                    onCancel.run();
                    throw new CancellationException();
                }
                Thread.sleep(Math.max(1, Math.min(left, CANCEL_CHECK.toNanos()) / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException();
        }
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().toLowerCase(Locale.ROOT).equals(b.getHost() == null ? null : b.getHost().toLowerCase(Locale.ROOT))
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** The EHR's own words on why it refused the request (an OperationOutcome's diagnostics), shortened. */
    private static String diagnostics(HttpResponse<String> r) {
        String body = r.body();
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            List<String> texts = new ArrayList<>();
            PopulationJson.MAPPER.readTree(body).path("issue").forEach(i -> {
                String d = i.path("diagnostics").asText(i.path("details").path("text").asText(""));
                if (!d.isBlank()) {
                    texts.add(d);
                }
            });
            String text = String.join("; ", texts);
            return text.isEmpty() ? "" : " (" + (text.length() > MAX_DIAGNOSTICS ? text.substring(0, MAX_DIAGNOSTICS) + "…" : text) + ")";
        } catch (IOException e) {
            return "";
        }
    }
}
