-- The passport: sites registered as OpenID Connect clients (service
-- lines), people's identities, the grants (sign-ins) that token families
-- hang on, one-time authorization codes, the passport's own browser
-- sessions and the keys it signs ID tokens with. Tokens, codes and
-- secrets are stored only as hashes. Lists (domains, redirect URIs,
-- devices) are JSON in TEXT columns; durations are milliseconds.

-- A site's registration goes with the site.
CREATE TABLE service_lines (
    site_id            TEXT PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    domains            TEXT NOT NULL DEFAULT '[]',
    redirect_uris      TEXT NOT NULL DEFAULT '[]',
    devices            TEXT NOT NULL DEFAULT '[]',
    access_ttl         INTEGER NOT NULL CHECK (access_ttl > 0),
    refresh_ttl        INTEGER NOT NULL CHECK (refresh_ttl > 0),
    one_device         INTEGER NOT NULL DEFAULT 0,
    client_secret_hash TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- user_id links an agent's identity to their console account; it is not a
-- reference (as bots.owner_id is not), and at most one identity has it.
CREATE TABLE identities (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    user_id       TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX identities_user ON identities (user_id) WHERE user_id <> '';

-- A grant lives while ended_at is NULL and expires_at is ahead.
CREATE TABLE grants (
    id                TEXT PRIMARY KEY,
    identity_id       TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    site_id           TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    device_id         TEXT NOT NULL DEFAULT '',
    device_kind       TEXT NOT NULL DEFAULT '',
    scope             TEXT NOT NULL DEFAULT '',
    generation        INTEGER NOT NULL DEFAULT 0 CHECK (generation >= 0),
    rotated_at        INTEGER,
    access_hash       TEXT NOT NULL,
    refresh_hash      TEXT NOT NULL,
    prev_refresh_hash TEXT NOT NULL DEFAULT '',
    access_expires_at INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    ended_at          INTEGER,
    end_reason        TEXT NOT NULL DEFAULT '',
    refresh_ahead     INTEGER NOT NULL DEFAULT 0,
    CHECK ((ended_at IS NULL) = (end_reason = ''))
);
-- Verification (every API call of a site), refresh, and a replayed
-- refresh token of the previous generation.
CREATE UNIQUE INDEX grants_access ON grants (access_hash);
CREATE UNIQUE INDEX grants_refresh ON grants (refresh_hash);
CREATE UNIQUE INDEX grants_prev_refresh ON grants (prev_refresh_hash) WHERE prev_refresh_hash <> '';
-- One device per site, and a person's grants in the monitor.
CREATE INDEX grants_identity_site ON grants (identity_id, site_id, created_at, id);
-- A site's grants in the monitor, newest first.
CREATE INDEX grants_site ON grants (site_id, created_at, id);
-- The monitor's listing of every site, and clean-up.
CREATE INDEX grants_created ON grants (created_at, id);
CREATE INDEX grants_expires ON grants (expires_at);

CREATE TABLE auth_codes (
    hash           TEXT PRIMARY KEY,
    site_id        TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    identity_id    TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    nonce          TEXT NOT NULL DEFAULT '',
    scope          TEXT NOT NULL DEFAULT '',
    device_id      TEXT NOT NULL DEFAULT '',
    device_kind    TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX auth_codes_expires ON auth_codes (expires_at);
CREATE INDEX auth_codes_identity ON auth_codes (identity_id);
CREATE INDEX auth_codes_site ON auth_codes (site_id);

CREATE TABLE passport_sessions (
    token_hash  TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX passport_sessions_identity ON passport_sessions (identity_id);
CREATE INDEX passport_sessions_expires ON passport_sessions (expires_at);

CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    private_der BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    signs_from  INTEGER NOT NULL,
    retires_at  INTEGER NOT NULL
);
