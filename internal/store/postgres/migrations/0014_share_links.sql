-- Share links: a replay (of an assist or a terminal session) or a video
-- export shared through a link that expires. The link carries a random
-- token; only its SHA-256 (token_hash) is kept. subject_id names what is
-- shared, by kind: an assist, a terminal session or an export job, so it
-- refers to no one table. A link goes with the user who made it.
CREATE TABLE share_links (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    needs_account BOOLEAN NOT NULL DEFAULT FALSE,
    token_hash    TEXT NOT NULL UNIQUE,
    last_used_at  BIGINT,
    uses          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX share_links_created_by ON share_links (created_by, created_at);
CREATE INDEX share_links_subject ON share_links (kind, subject_id);
