-- Who is there to take a request (docs/operating.md, "Queue alerts").
-- agent_presence: an agent set themselves available or away; no row is
-- away, so a new agent alerts no one until they say they are there.
-- site_pickup: how long a site's people wait for an agent before they are
-- told so and offered to leave a message; no row is the default (2m), 0
-- never tells them. assist_left_messages: waiting requests whose person
-- left a message (the queue marks them).
CREATE TABLE agent_presence (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    available  BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
CREATE TABLE site_pickup (
    site_id    TEXT PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    timeout_ms BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE assist_left_messages (
    assist_id TEXT PRIMARY KEY REFERENCES assists (id) ON DELETE CASCADE,
    at        BIGINT NOT NULL
);
