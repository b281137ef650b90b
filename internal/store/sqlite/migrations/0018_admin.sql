-- Administration in the console. An admin can disable an agent
-- (disabled_at: sign-in is refused and their sessions end) and invite one:
-- the invited user has no password until they redeem the invite's token,
-- of which only the SHA-256 (token_hash) is kept. Redeeming deletes the
-- invite, so that it is used once.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
CREATE TABLE user_invites (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX user_invites_user ON user_invites (user_id);
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_action ON audit (action, id);
