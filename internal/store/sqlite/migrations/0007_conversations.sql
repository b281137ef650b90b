-- Conversations between users, people and bots, the bots themselves, their
-- incoming webhooks and the outbox of requests owed to them. Accounts are
-- stored in their text form, "kind:id" ("user:…", "person:…", "bot:…").
-- Lists (mentions, blocks, attachments, scopes) are JSON in TEXT columns.

-- A support conversation belongs to its site and goes with it; site_id is
-- NULL for direct and group conversations. assist_id is history, not a
-- reference (as assists.agent_id is).
CREATE TABLE conversations (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('direct', 'group', 'support')),
    name            TEXT NOT NULL DEFAULT '',
    avatar_url      TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    site_id         TEXT REFERENCES sites (id) ON DELETE CASCADE,
    assist_id       TEXT NOT NULL DEFAULT '',
    queued          INTEGER NOT NULL DEFAULT 0,
    summary         TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    last_message_at INTEGER,
    CHECK ((kind = 'support') = (site_id IS NOT NULL))
);
CREATE INDEX conversations_assist ON conversations (assist_id) WHERE assist_id <> '';
-- The agents' queue: the queued support conversations of some sites.
CREATE INDEX conversations_queue ON conversations (site_id, queued);

CREATE TABLE conversation_members (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    account         TEXT NOT NULL,
    added_by        TEXT NOT NULL DEFAULT '',
    granted         TEXT NOT NULL DEFAULT '[]',
    last_read       INTEGER NOT NULL DEFAULT 0 CHECK (last_read >= 0),
    joined_at       INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, account)
);
-- An account's conversations (listings), a bot's memberships (removal).
CREATE INDEX conversation_members_account ON conversation_members (account, conversation_id);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL CHECK (seq > 0),
    author          TEXT NOT NULL,
    client_id       TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL DEFAULT '',
    mentions        TEXT NOT NULL DEFAULT '[]',
    blocks          TEXT NOT NULL DEFAULT '[]',
    attachments     TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER
);
CREATE UNIQUE INDEX messages_seq ON messages (conversation_id, seq);
CREATE UNIQUE INDEX messages_client ON messages (conversation_id, author, client_id) WHERE client_id <> '';

-- Files uploaded to a conversation; message_id is '' until a message
-- carries the file.
CREATE TABLE attachments (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    uploader        TEXT NOT NULL,
    message_id      TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL DEFAULT '',
    content_type    TEXT NOT NULL DEFAULT '',
    size            INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
    blob_key        TEXT NOT NULL,
    width           INTEGER NOT NULL DEFAULT 0,
    height          INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE INDEX attachments_conversation ON attachments (conversation_id, created_at);

-- owner_id is not a reference: a bot outlives the removal of its owner
-- until an admin removes it. token_hash is '' while the token is revoked.
CREATE TABLE bots (
    id             TEXT PRIMARY KEY,
    owner_id       TEXT NOT NULL,
    name           TEXT NOT NULL UNIQUE,
    avatar_url     TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    url            TEXT NOT NULL,
    interface_url  TEXT NOT NULL DEFAULT '',
    scopes         TEXT NOT NULL DEFAULT '[]',
    token_hash     TEXT NOT NULL DEFAULT '',
    token_id       TEXT NOT NULL DEFAULT '',
    signing_secret TEXT NOT NULL DEFAULT '',
    recommended    INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX bots_token ON bots (token_hash) WHERE token_hash <> '';
CREATE INDEX bots_owner ON bots (owner_id, name);

CREATE TABLE bot_commands (
    id          TEXT PRIMARY KEY,
    bot_id      TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    hint        TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX bot_commands_name ON bot_commands (bot_id, name);

CREATE TABLE hooks (
    id              TEXT PRIMARY KEY,
    bot_id          TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX hooks_bot_conversation ON hooks (bot_id, conversation_id);
CREATE INDEX hooks_conversation ON hooks (conversation_id);

-- The outbox. A worker claims pending rows whose next_attempt_at has come
-- and that no other worker holds (locked_until NULL or past); a worker that
-- dies leaves its claim to lapse.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    bot_id          TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('mention', 'action', 'command')),
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id      TEXT NOT NULL DEFAULT '',
    url             TEXT NOT NULL,
    payload         BLOB NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    done_at         INTEGER
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_bot ON deliveries (bot_id, created_at DESC, id DESC);
CREATE INDEX deliveries_conversation ON deliveries (conversation_id);

CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL CHECK (n > 0),
    at          INTEGER NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    duration_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (delivery_id, n)
);

-- The bot that answers a site's people first; '' for none. Removing the
-- bot clears it (in DeleteBot's transaction).
ALTER TABLE sites ADD COLUMN triage_bot_id TEXT NOT NULL DEFAULT '';
