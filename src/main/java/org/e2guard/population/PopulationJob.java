package org.e2guard.population;

import java.time.Instant;
import java.util.List;

/**
 * The state of one dry run, as JSON in {@code population_job}: what any replica answers a status
 * poll with.
 *
 * @param progress a line for people ("evaluating: bucket 3 of 8, 1200 patients so far")
 * @param error    why a failed job failed, with the HTTP status its poll answers
 * @param outputs  the NDJSON files of a finished job
 */
public record PopulationJob(String id, State state, String progress, Instant submitted, Instant finished, int inputs,
                            Instant asOf, List<String> settings, Failure error, List<Output> outputs) {

    public enum State {
        QUEUED, RUNNING, DONE, FAILED;

        public boolean over() {
            return this == DONE || this == FAILED;
        }
    }

    public record Failure(int status, String message) {
    }

    /** @param type the FHIR resource type of the file's lines */
    public record Output(String type, String file, long count) {
    }

    PopulationJob with(State state, String progress) {
        return new PopulationJob(id, state, progress, submitted, finished, inputs, asOf, settings, error, outputs);
    }

    PopulationJob failed(Failure failure, Instant at) {
        return new PopulationJob(id, State.FAILED, progress, submitted, at, inputs, asOf, settings, failure, outputs);
    }

    PopulationJob done(List<Output> files, Instant at) {
        return new PopulationJob(id, State.DONE, "done", submitted, at, inputs, asOf, settings, null, files);
    }
}
