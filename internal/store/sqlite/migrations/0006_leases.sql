-- Which node owns each live assist and terminal session, when several
-- nodes share the store. session_id is the assist's or terminal session's
-- id. node is '' once the owner released the lease. token, the fencing
-- token, grows every time the lease is taken anew. expires_at is unix
-- milliseconds by the database's clock (here: the one machine's), never a
-- node's.
CREATE TABLE leases (
    session_id TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('assist', 'terminal')),
    node       TEXT NOT NULL,
    node_url   TEXT NOT NULL,
    token      INTEGER NOT NULL CHECK (token > 0),
    expires_at INTEGER NOT NULL
);

-- Sweeps look for leases that lapsed while held; a node's heartbeat renews
-- all of its own.
CREATE INDEX leases_lapsing ON leases (expires_at, session_id) WHERE node <> '';
CREATE INDEX leases_node ON leases (node, expires_at) WHERE node <> '';
