package org.e2guard.population;

import java.time.Instant;
import java.util.List;

/** What a dry run was asked to do: NDJSON files by URL, the evaluation instant, the what-if settings. */
public record PopulationRequest(List<String> urls, Instant asOf, List<Setting> settings) {
    public PopulationRequest {
        urls = List.copyOf(urls);
        settings = List.copyOf(settings);
    }
}
