-- Video exports: durable jobs that render an ended assist or terminal
-- session to an MP4 in the blob store. subject_id is the assist or terminal
-- session; recording_id is the recording rendered, whose deletion deletes
-- the job and its video. A job is taken by a node with a claim (claim_node,
-- claim_until in unix milliseconds by the database's clock); a running job
-- whose claim lapsed (its node died) is taken again. not_before delays a
-- retry. No foreign keys: a job outlives nothing, the recording's deletion
-- removes it.
CREATE TABLE video_exports (
    id           TEXT COLLATE "C" PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('assist', 'terminal')),
    subject_id   TEXT NOT NULL,
    recording_id TEXT NOT NULL,
    site_id      TEXT NOT NULL,
    options      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    done_frames  BIGINT NOT NULL,
    total_frames BIGINT NOT NULL,
    error        TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    duration_ms  BIGINT NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT,
    attempts     BIGINT NOT NULL,
    not_before   BIGINT NOT NULL,
    claim_node   TEXT NOT NULL,
    claim_until  BIGINT NOT NULL
);

CREATE INDEX video_exports_subject ON video_exports (subject_id, created_at);
CREATE INDEX video_exports_recording ON video_exports (recording_id);
-- Workers look for queued jobs and running ones whose claim lapsed.
CREATE INDEX video_exports_unfinished ON video_exports (created_at, id) WHERE state IN ('queued', 'running');

-- auto_video: the end of each assist of the site queues an export.
ALTER TABLE sites ADD COLUMN auto_video BOOLEAN NOT NULL DEFAULT false;
