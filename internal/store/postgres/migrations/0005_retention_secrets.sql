-- How long a site keeps the recordings of its assists after they end, in
-- milliseconds; 0 keeps them forever.
ALTER TABLE sites ADD COLUMN recording_retention BIGINT NOT NULL DEFAULT 0 CHECK (recording_retention >= 0);

-- When retention ended an assist's recording; NULL while it is kept.
ALTER TABLE assists ADD COLUMN recording_deleted_at BIGINT;

-- The sweeper looks, site by site, for ended assists whose recording is
-- kept and whose end is old enough: only those are in this index.
CREATE INDEX assists_retention ON assists (site_id, ended_at)
    WHERE state = 'ended' AND recording_deleted_at IS NULL;

-- Recordings whose blobs must be deleted, by assist id. A row is added in
-- the transaction that dooms the recording and removed once the blobs are
-- gone, so a crash in between leaves work to do, never an orphan blob.
CREATE TABLE recording_deletions (
    id        TEXT COLLATE "C" PRIMARY KEY,
    queued_at BIGINT NOT NULL
);
CREATE INDEX recording_deletions_queued ON recording_deletions (queued_at, id);

-- Removing assists (with their site, by the cascade) queues their
-- recordings in the same transaction, unless retention queued them already.
-- One insert per statement: removing a site with many assists is one
-- DELETE of them, not one trigger call each.
CREATE FUNCTION queue_removed_recordings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO recording_deletions (id, queued_at)
    SELECT id, (extract(epoch FROM now()) * 1000)::bigint FROM removed
    WHERE recording_deleted_at IS NULL
    ON CONFLICT (id) DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER assists_queue_recording AFTER DELETE ON assists
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION queue_removed_recordings();

-- Keys that every server of an installation shares (signing keys, the SSH
-- host key). The first value stored for a name is the one every server uses.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
