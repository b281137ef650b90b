-- How long a site keeps the recordings of its assists after they end, in
-- milliseconds; 0 keeps them forever.
ALTER TABLE sites ADD COLUMN recording_retention INTEGER NOT NULL DEFAULT 0 CHECK (recording_retention >= 0);

-- When retention ended an assist's recording; NULL while it is kept.
ALTER TABLE assists ADD COLUMN recording_deleted_at INTEGER;

-- The sweeper looks, site by site, for ended assists whose recording is
-- kept and whose end is old enough: only those are in this index.
CREATE INDEX assists_retention ON assists (site_id, ended_at)
    WHERE state = 'ended' AND recording_deleted_at IS NULL;

-- Recordings whose blobs must be deleted, by assist id. A row is added in
-- the transaction that dooms the recording and removed once the blobs are
-- gone, so a crash in between leaves work to do, never an orphan blob.
CREATE TABLE recording_deletions (
    id        TEXT PRIMARY KEY,
    queued_at INTEGER NOT NULL
);
CREATE INDEX recording_deletions_queued ON recording_deletions (queued_at, id);

-- Removing an assist (with its site, by the cascade) queues its recording
-- in the same transaction, unless retention queued it already.
CREATE TRIGGER assists_queue_recording AFTER DELETE ON assists
WHEN OLD.recording_deleted_at IS NULL
BEGIN
    INSERT INTO recording_deletions (id, queued_at)
    VALUES (OLD.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
    ON CONFLICT (id) DO NOTHING;
END;

-- Keys that every server of an installation shares (signing keys, the SSH
-- host key). The first value stored for a name is the one every server uses.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
