-- Population dry runs ($evaluate-population) shared by every replica behind the Service: the
-- status poll, the DELETE, the output download and the report page may each reach any replica,
-- not only the one running the job. The owner renews the heartbeat while the job is queued or
-- running; a job whose heartbeat stopped (its replica died) is reported failed by whichever
-- replica is asked. A finished job's outputs are kept here, gzip-compressed in chunks, until
-- DELETE or e2guard.population.keep after it finished; the NDJSON inputs and the patient buckets
-- stay on the owner's disk while it runs.
CREATE TABLE population_job (
    id          TEXT        PRIMARY KEY,
    status      TEXT        NOT NULL,   -- the job's PopulationJob as JSON
    owner       TEXT        NOT NULL,   -- the replica that runs it
    heartbeat   TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX population_job_finished ON population_job (finished_at);

CREATE TABLE population_output (
    job_id TEXT    NOT NULL REFERENCES population_job (id) ON DELETE CASCADE,
    name   TEXT    NOT NULL,
    chunk  INTEGER NOT NULL,
    data   BYTEA   NOT NULL,
    PRIMARY KEY (job_id, name, chunk)
);
