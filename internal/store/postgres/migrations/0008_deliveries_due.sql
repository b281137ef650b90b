-- The claim reads the due pending deliveries in the order it takes them
-- (next attempt, then age, then id) and stops at its limit. The index of
-- 0007 held (state, next_attempt_at) only: deliveries due at the same
-- millisecond (a burst of mentions, a backlog after an outage) had to be
-- read and sorted whole on every claim. Delivered and dead rows stay in the
-- table for the log; the partial index leaves them out.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, created_at, id) WHERE state = 'pending';
