package org.e2guard.population;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a dry run was asked to do: its input (NDJSON files by URL, or a Bulk Data export that
 * e2guard runs on a configured EHR), the evaluation instant, the what-if settings.
 *
 * @param export empty for URL inputs
 */
public record PopulationRequest(List<String> urls, Optional<ExportSource> export, Instant asOf, List<Setting> settings) {
    public PopulationRequest {
        urls = List.copyOf(urls);
        settings = List.copyOf(settings);
    }

    /**
     * A FHIR Bulk Data export e2guard kicks off itself.
     *
     * @param ehr   a configured EHR's name ({@code e2guard.ehr.<name>})
     * @param group a Group id on that EHR ({@code Group/[id]/$export}), or null for {@code Patient/$export}
     */
    public record ExportSource(String ehr, String group) {
    }
}
