-- e2guard's own store. Migrations run at start-up (Flyway); each must stay compatible with the
-- previous release's code, so that a rolling upgrade can run old and new replicas side by side.
CREATE TABLE e2guard_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO e2guard_info (key, value) VALUES ('created-by', 'e2guard');
