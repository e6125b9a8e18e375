package org.e2guard.population;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;

/**
 * Streams a job's input files to disk, one at a time, within the job's total size budget
 * ({@code e2guard.population.max-input-size}) and the per-file time limit: the same limits whether
 * the files were named by URL or listed in an EHR's Bulk Data manifest.
 */
final class Downloader {
    private final HttpClient http;
    private final Duration timeout;
    private final long max;
    private long budget;

    Downloader(HttpClient http, PopulationConfig config) {
        this.http = http;
        this.timeout = config.fetchTimeout();
        this.max = config.maxInputSize().asLongValue();
        this.budget = max;
    }

    /**
     * Fetches one file; the body is written to {@code file} only when the answer is 200.
     *
     * @param label         how the client knows this file ("input 2", "export file 3")
     * @param authorization the Authorization header value, or null for none
     * @return the HTTP status of the answer
     */
    int get(String label, URI uri, String authorization, Path file) throws IOException {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Accept", "application/fhir+ndjson, application/ndjson, */*").GET();
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new PopulationException(504, label + ": no answer within " + timeout);
        } catch (IOException e) {
            throw new PopulationException(502, label + " could not be fetched: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException();
        }
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) {
                return resp.statusCode();
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    budget -= n;
                    if (budget < 0) {
                        throw new PopulationException(413, "the input is larger than " + max
                                + " bytes (e2guard.population.max-input-size)");
                    }
                    out.write(buf, 0, n);
                }
            }
        } catch (HttpTimeoutException e) {
            throw new PopulationException(504, label + ": not fetched within " + timeout);
        }
        return 200;
    }
}
