-- Sites that vouch for people, and authkeys.
--
-- vouch_key is the PEM public key (ES256 or RS256) a site's back end signs
-- its assertions with (RFC 7523); empty for a site that cannot vouch.
ALTER TABLE service_lines ADD COLUMN vouch_key TEXT NOT NULL DEFAULT '';

-- session_hash is the passport session a code came from: the authkey of
-- the sign-in refers to it, and dies with it.
ALTER TABLE auth_codes ADD COLUMN session_hash TEXT NOT NULL DEFAULT '';

-- The ids (jti) of the assertions sites vouched with, hashed, kept until
-- the assertion expires: each works once.
CREATE TABLE passport_vouch_jtis (
    jti_hash   TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX passport_vouch_jtis_expires ON passport_vouch_jtis (expires_at);
CREATE INDEX passport_vouch_jtis_site ON passport_vouch_jtis (site_id);
