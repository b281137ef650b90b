-- Times are unix milliseconds (UTC); NULL where the Go value is the zero time.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE, -- lowercased
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    created_at    INTEGER NOT NULL
);

CREATE TABLE user_keys (
    fingerprint    TEXT PRIMARY KEY, -- ssh.FingerprintSHA256
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    authorized_key TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX user_keys_user ON user_keys (user_id, created_at);

CREATE TABLE sites (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    key             TEXT NOT NULL UNIQUE,
    allowed_origins TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    strict_masking  INTEGER NOT NULL DEFAULT 0,
    capture_bodies  INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

CREATE TABLE login_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX login_sessions_expiry ON login_sessions (expires_at);
CREATE INDEX login_sessions_user ON login_sessions (user_id);

-- An assist belongs to its site and goes with it. agent_id is history, not
-- a reference: removing a user keeps the assists they handled.
CREATE TABLE assists (
    id              TEXT PRIMARY KEY,
    site_id         TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('waiting', 'consenting', 'live', 'ended')),
    person_id       TEXT NOT NULL DEFAULT '',
    page_id         TEXT NOT NULL DEFAULT '',
    page_url        TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    viewport_width  INTEGER NOT NULL DEFAULT 0,
    viewport_height INTEGER NOT NULL DEFAULT 0,
    viewport_dpr    REAL NOT NULL DEFAULT 0,
    agent_id        TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    ended_at        INTEGER,
    end_reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assists_created ON assists (created_at DESC, id DESC);
CREATE INDEX assists_site_created ON assists (site_id, created_at DESC, id DESC);
CREATE INDEX assists_state_created ON assists (state, created_at DESC, id DESC);

CREATE TABLE consents (
    id        INTEGER PRIMARY KEY,
    assist_id TEXT NOT NULL REFERENCES assists (id) ON DELETE CASCADE,
    agent_id  TEXT NOT NULL DEFAULT '',
    person_id TEXT NOT NULL DEFAULT '',
    page_url  TEXT NOT NULL DEFAULT '',
    method    TEXT NOT NULL DEFAULT '',
    allowed   INTEGER NOT NULL,
    text      TEXT NOT NULL DEFAULT '',
    at        INTEGER NOT NULL
);
CREATE INDEX consents_assist ON consents (assist_id, at, id);

CREATE TABLE pages (
    assist_id TEXT NOT NULL REFERENCES assists (id) ON DELETE CASCADE,
    page_id   TEXT NOT NULL,
    hash      TEXT NOT NULL DEFAULT '',
    url       TEXT NOT NULL DEFAULT '',
    title     TEXT NOT NULL DEFAULT '',
    at        INTEGER NOT NULL,
    PRIMARY KEY (assist_id, page_id, hash)
);
CREATE INDEX pages_assist_at ON pages (assist_id, at);

-- A short code may repeat across invites over time, so only the long
-- token's hash is unique; UseInvite picks the live invite for a code.
CREATE TABLE invites (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    agent_id   TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL DEFAULT '',
    code_hash  TEXT NOT NULL DEFAULT '',
    url        TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    assist_id  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX invites_token ON invites (token_hash) WHERE token_hash <> '';
CREATE INDEX invites_code ON invites (code_hash, created_at) WHERE code_hash <> '';

-- The audit log outlives what it describes: no foreign keys.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    at         INTEGER NOT NULL
);
CREATE INDEX audit_session ON audit (session_id, at, id);

CREATE TABLE terminals (
    id           TEXT PRIMARY KEY,
    host_key     TEXT NOT NULL DEFAULT '',
    host_name    TEXT NOT NULL DEFAULT '',
    command      TEXT NOT NULL DEFAULT '',
    read_only    INTEGER NOT NULL DEFAULT 0,
    approve      INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    end_reason   TEXT NOT NULL DEFAULT '',
    recording_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX terminals_created ON terminals (created_at DESC, id DESC);
