-- EHR integration: the durable work queue (outbox), what was last written to each EHR, and the
-- bookkeeping the subscription path needs. Everything here is opaque ids and hashes, except the
-- outbox payloads and last-written bodies (FHIR resources e2guard itself produced or received).

-- One row per unit of work towards an EHR. kind:
--   notification  an event the EHR pushed (stored before the HTTP answer; processed asynchronously)
--   patient       re-evaluate one patient from the EHR and write back the difference (coalesced per patient)
--   sync          catch-up search by _lastUpdated (coalesced per EHR)
--   subscribe     make sure the EHR holds e2guard's Subscriptions (coalesced per EHR)
-- (ehr, kind, job_key) is unique so that bursts coalesce: a second event for a patient who is
-- already queued updates the row instead of adding one. version counts those updates, so a worker
-- that finishes an older version leaves the row for another run.
CREATE TABLE ehr_outbox (
    id              BIGSERIAL   PRIMARY KEY,
    ehr             TEXT        NOT NULL,
    kind            TEXT        NOT NULL,
    job_key         TEXT        NOT NULL,
    payload         TEXT,
    state           TEXT        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    version         INTEGER     NOT NULL DEFAULT 1,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_owner     TEXT,
    lease_until     TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    CONSTRAINT ehr_outbox_key UNIQUE (ehr, kind, job_key)
);
CREATE INDEX ehr_outbox_due ON ehr_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX ehr_outbox_dead ON ehr_outbox (id) WHERE state = 'dead';

-- What e2guard last wrote to an EHR, per deterministic identifier: the content hash decides whether
-- a re-evaluation needs a write at all; the body (with e2guard's own references) is what a
-- resolution amends; ehr_id is the EHR's logical id, for references and updates.
CREATE TABLE writeback_state (
    ehr              TEXT        NOT NULL,
    resource_type    TEXT        NOT NULL,
    identifier       TEXT        NOT NULL,
    patient_id       TEXT        NOT NULL,
    rule             TEXT,
    status           TEXT        NOT NULL CHECK (status IN ('active', 'resolved')),
    content_hash     TEXT        NOT NULL,
    ehr_id           TEXT,
    ehr_version      TEXT,
    first_identified TIMESTAMPTZ NOT NULL,
    body             TEXT        NOT NULL,
    written_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ehr, resource_type, identifier)
);
CREATE INDEX writeback_state_patient ON writeback_state (ehr, patient_id);

-- The EHR's id of e2guard's Device (ensured once per EHR by a conditional create).
CREATE TABLE ehr_device (
    ehr        TEXT        PRIMARY KEY,
    device_id  TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Which patient a resource belongs to, from what e2guard has seen: a deletion notification names
-- only the resource, and the resource is gone by then.
CREATE TABLE ehr_resource_patient (
    ehr           TEXT        NOT NULL,
    resource_type TEXT        NOT NULL,
    resource_id   TEXT        NOT NULL,
    patient_id    TEXT        NOT NULL,
    seen_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ehr, resource_type, resource_id)
);

-- Catch-up sync point per EHR and resource type: the newest meta.lastUpdated seen (the EHR's clock).
CREATE TABLE ehr_sync_state (
    ehr           TEXT        NOT NULL,
    resource_type TEXT        NOT NULL,
    synced_until  TIMESTAMPTZ NOT NULL,
    last_run_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ehr, resource_type)
);

-- Topic-based (R5 Backport) subscriptions number their events; the highest number seen per
-- subscription reveals gaps (lost notifications) to recover.
CREATE TABLE ehr_subscription_event (
    ehr               TEXT        NOT NULL,
    subscription      TEXT        NOT NULL,
    last_event_number BIGINT      NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ehr, subscription)
);
