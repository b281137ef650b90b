-- The person of an assist as the passport verified them: set when the help
-- request carried an active passport token of the assist's site, empty
-- otherwise. The identity is not a reference: the assist's record stays
-- as it was when the identity goes.
ALTER TABLE assists ADD COLUMN verified_identity_id TEXT NOT NULL DEFAULT '';
ALTER TABLE assists ADD COLUMN verified_email TEXT NOT NULL DEFAULT '';
ALTER TABLE assists ADD COLUMN verified_name TEXT NOT NULL DEFAULT '';

-- The one-time codes of agents signing in to the console through the
-- passport: the console is a client but not a site, so its codes are not
-- auth_codes (which belong to a site). Stored hashed, single use.
CREATE TABLE console_codes (
    hash           TEXT PRIMARY KEY,
    identity_id    TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    nonce          TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX console_codes_expires ON console_codes (expires_at);
CREATE INDEX console_codes_identity ON console_codes (identity_id);
