-- Whether a terminal session records what helpers type (the host's
-- --record-input). Sessions from before it was asked recorded input.
ALTER TABLE terminals ADD COLUMN record_input INTEGER NOT NULL DEFAULT 0;
UPDATE terminals SET record_input = 1;
