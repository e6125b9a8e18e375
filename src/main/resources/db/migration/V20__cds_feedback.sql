-- CDS Hooks feedback (POST /cds-services/{id}/feedback): what clinicians did with e2guard's cards.
-- One row per feedback item. A client re-sending the same item (same card, outcome and time) does
-- not add a row. user_comment is the clinician's free text and may mention the patient: it is kept
-- here, in the service's own store, and nowhere else (never logged).
CREATE TABLE cds_feedback (
    id                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_id              TEXT        NOT NULL,
    card_uuid               UUID        NOT NULL,
    outcome                 TEXT        NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
    accepted_suggestions    TEXT[]      NOT NULL DEFAULT '{}',
    override_reason_system  TEXT,
    override_reason_code    TEXT,
    override_reason_display TEXT,
    user_comment            TEXT,
    outcome_timestamp       TIMESTAMPTZ NOT NULL,
    -- rule codes of the card (comma-separated) when the service still remembered it
    card_rules              TEXT,
    -- the JWT issuer (and tenant) that sent the feedback
    client_issuer           TEXT,
    client_tenant           TEXT,
    received_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT cds_feedback_once UNIQUE (service_id, card_uuid, outcome, outcome_timestamp)
);
CREATE INDEX cds_feedback_received ON cds_feedback (received_at);
