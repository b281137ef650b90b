-- A site may ask the person to allow each agent who joins after the first.
ALTER TABLE sites ADD COLUMN consent_each_agent BOOLEAN NOT NULL DEFAULT false;

-- The budget of waiting requests counts a site's waiting assists on every
-- help request: without this index, through the site's whole history.
CREATE INDEX assists_site_state ON assists (site_id, state, created_at, id);
