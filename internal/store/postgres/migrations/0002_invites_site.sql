-- Deleting a site cascades to its invites: without an index on site_id,
-- every invite ever made would be read to find them.
CREATE INDEX invites_site ON invites (site_id);
