-- Video exports: durable jobs that render an ended assist or terminal
-- session to an MP4 in the blob store. subject_id is the assist or terminal
-- session; recording_id is the recording rendered, whose deletion deletes
-- the job and its video. A job is taken by a node with a claim (claim_node,
-- claim_until in unix milliseconds by the database's clock); a running job
-- whose claim lapsed (its node died) is taken again. not_before delays a
-- retry. No foreign keys: a job outlives nothing, the recording's deletion
-- removes it.
CREATE TABLE video_exports (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('assist', 'terminal')),
    subject_id   TEXT NOT NULL,
    recording_id TEXT NOT NULL,
    site_id      TEXT NOT NULL,
    options      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    done_frames  INTEGER NOT NULL,
    total_frames INTEGER NOT NULL,
    error        TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    requested_by TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    attempts     INTEGER NOT NULL,
    not_before   INTEGER NOT NULL,
    claim_node   TEXT NOT NULL,
    claim_until  INTEGER NOT NULL
);

CREATE INDEX video_exports_subject ON video_exports (subject_id, created_at);
CREATE INDEX video_exports_recording ON video_exports (recording_id);
-- Workers look for queued jobs and running ones whose claim lapsed.
CREATE INDEX video_exports_unfinished ON video_exports (created_at, id) WHERE state IN ('queued', 'running');

-- auto_video: the end of each assist of the site queues an export.
ALTER TABLE sites ADD COLUMN auto_video INTEGER NOT NULL DEFAULT 0;
