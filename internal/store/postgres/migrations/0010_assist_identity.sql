-- The person of an assist as the passport verified them: set when the help
-- request carried an active passport token of the assist's site, empty
-- otherwise. The identity is not a reference: the assist's record stays
-- as it was when the identity goes.
ALTER TABLE assists ADD COLUMN verified_identity_id TEXT NOT NULL DEFAULT '';
ALTER TABLE assists ADD COLUMN verified_email TEXT NOT NULL DEFAULT '';
ALTER TABLE assists ADD COLUMN verified_name TEXT NOT NULL DEFAULT '';
