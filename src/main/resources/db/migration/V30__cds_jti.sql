-- CDS Hooks JWT replay protection: every (iss, jti) accepted, shared by all replicas, so that a
-- token replayed to another replica behind the same Service is refused too. The key is a SHA-256
-- of issuer and jti (fixed size whatever the EHR puts in its jti). A row is needed only while its
-- token could still pass the exp check (exp plus the clock skew, expires_at); expired rows are
-- deleted by every replica's periodic clean-up.
CREATE TABLE cds_jti (
    key        BYTEA       PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cds_jti_expires ON cds_jti (expires_at);
