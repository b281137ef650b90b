-- Whether a terminal session records what helpers type (the host's
-- --record-input). Sessions from before it was asked recorded input.
ALTER TABLE terminals ADD COLUMN record_input BOOLEAN NOT NULL DEFAULT false;
UPDATE terminals SET record_input = true;
