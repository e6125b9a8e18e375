package org.e2guard.population;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The population dry run ({@code POST /fhir/$evaluate-population}). */
@ConfigMapping(prefix = "e2guard.population")
public interface PopulationConfig {
    /**
     * URL prefixes the dry run may fetch NDJSON from (comma-separated, e.g.
     * {@code https://bulk.example.org/exports/}); a URL is fetched only if it starts with one of them.
     * None by default: URL inputs are refused until configured.
     */
    Optional<List<String>> allowedUrls();

    /** Where jobs keep their downloaded inputs, buckets and outputs; default: a folder under the system temp directory. */
    Optional<String> workDir();

    /**
     * NDJSON per bucket: the population is split into buckets of about this size, evaluated one at a
     * time, so heap use follows this figure (parsed FHIR takes several times its JSON size), not the population.
     */
    @WithDefault("16M")
    MemorySize bucketSize();

    /** Largest total download of one job; more is refused (the job fails with a 413 OperationOutcome). */
    @WithDefault("20G")
    MemorySize maxInputSize();

    /** Time limit for fetching one input file. */
    @WithDefault("30M")
    Duration fetchTimeout();

    /**
     * The resource types e2guard asks an EHR's Bulk Data export for ({@code _type}): those the rules
     * read. HAPI FHIR refuses {@code Medication} on a Patient- or Group-level export (HAPI-0512,
     * not in the Patient compartment): leave it out for such a server; medications coded in the
     * MedicationStatement/Request/Administration itself still count.
     */
    @WithDefault("Patient,Observation,MedicationStatement,MedicationRequest,MedicationAdministration,Medication,"
            + "Condition,DiagnosticReport,Procedure")
    List<String> exportTypes();

    /** How long to wait between polls of an EHR's export when it sends no {@code Retry-After}. */
    @WithDefault("10S")
    Duration exportPollInterval();

    /** An EHR's {@code Retry-After} longer than this is shortened to it (HAPI FHIR asks for 120 s). */
    @WithDefault("2M")
    Duration exportMaxRetryAfter();

    /** Time limit from kicking off an EHR's export to its manifest; then the export is cancelled on the EHR and the job fails. */
    @WithDefault("12H")
    Duration exportTimeout();

    /** Dry runs that run at once per replica; more wait in line. */
    @WithDefault("1")
    int concurrentJobs();

    /** What-if settings allowed in one request. */
    @WithDefault("12")
    int maxSettings();

    /** Patients listed in a dry run's report with their timeline (those with a high-severity finding first). */
    @WithDefault("50")
    int listedPatients();

    /** Finished jobs and their outputs are deleted this long after they finish. */
    @WithDefault("7D")
    Duration keep();
}
