-- Rule governance statistics (issue 13): daily aggregates of how often each rule fired, how many
-- patients were evaluated, how many cards were shown and what clinicians did with them. Counters
-- only, keyed by day and by the service's own codes: no patient id, card id, value or free text
-- ever lands here (NoPatientDataInStatisticsTest scans these tables). Days are UTC.
CREATE TABLE rule_stats_daily (
    day       DATE   NOT NULL,
    rule      TEXT   NOT NULL,
    severity  TEXT   NOT NULL,
    door      TEXT   NOT NULL,
    mode      TEXT   NOT NULL CHECK (mode IN ('active', 'silent')),
    findings  BIGINT NOT NULL DEFAULT 0,
    cards     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, rule, severity, door, mode)
);

-- Evaluations per door and day: the denominator of the firing rates. A patient evaluated twice
-- counts twice, since no patient id is kept to tell them apart.
CREATE TABLE evaluations_daily (
    day       DATE   NOT NULL,
    door      TEXT   NOT NULL,
    patients  BIGINT NOT NULL DEFAULT 0,
    with_high BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, door)
);

-- CDS feedback outcomes per rule of the card and day; reason '' when the clinician gave none
-- (or only a comment, which is never copied here). rule 'unknown' when the card was no longer
-- remembered when its feedback came.
CREATE TABLE rule_feedback_daily (
    day      DATE   NOT NULL,
    rule     TEXT   NOT NULL,
    outcome  TEXT   NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
    reason   TEXT   NOT NULL DEFAULT '',
    n        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, rule, outcome, reason)
);

-- the feedback stored before this migration, aggregated the same way
INSERT INTO rule_feedback_daily (day, rule, outcome, reason, n)
SELECT (f.outcome_timestamp AT TIME ZONE 'UTC')::date, r.rule, f.outcome, coalesce(f.override_reason_code, ''), count(*)
FROM cds_feedback f
CROSS JOIN LATERAL unnest(CASE WHEN coalesce(f.card_rules, '') = '' THEN ARRAY['unknown']
                               ELSE string_to_array(f.card_rules, ',') END) AS r(rule)
GROUP BY 1, 2, 3, 4;
