package store

import (
	"fmt"
	"slices"

	"github.com/tandemhq/tandem"
)

// Table is what a Copier knows of one table: its columns in order (on
// PostgreSQL without the seq columns that only order rows: a copy makes
// them anew), the columns of its primary key, and which columns hold
// booleans (SQLite keeps them as INTEGER, and Row carries them as bool).
type Table struct {
	Name    string
	Columns []string
	Key     []string
	Bools   []string
}

// CopyTables returns the tables a Copier moves, parents before children:
// one list for every backend, so that a copy goes either way. Each
// backend's tests compare it with that backend's schema, so that a column
// added by a later migration cannot be left behind by a copy.
func CopyTables() []Table {
	return []Table{
		{"users", []string{"id", "email", "name", "password_hash", "role", "created_at", "disabled_at"}, []string{"id"}, nil},
		{"user_invites", []string{"token_hash", "user_id", "created_at", "expires_at"}, []string{"token_hash"}, nil},
		{"user_keys", []string{"fingerprint", "user_id", "authorized_key", "created_at"}, []string{"fingerprint"}, nil},
		{"sites", []string{"id", "name", "key", "allowed_origins", "strict_masking", "capture_bodies", "consent_each_agent",
			"recording_retention", "triage_bot_id", "created_at", "screen_mapping", "auto_video"}, []string{"id"},
			[]string{"strict_masking", "capture_bodies", "consent_each_agent", "auto_video"}},
		{"login_sessions", []string{"token_hash", "user_id", "csrf_token", "created_at", "expires_at"}, []string{"token_hash"}, nil},
		{"assists", []string{"id", "site_id", "state", "person_id", "page_id", "page_url", "user_agent",
			"viewport_width", "viewport_height", "viewport_dpr", "agent_id", "created_at", "started_at", "ended_at", "end_reason",
			"recording_deleted_at", "verified_identity_id", "verified_email", "verified_name"}, []string{"id"}, nil},
		{"consents", []string{"id", "assist_id", "agent_id", "person_id", "page_url", "method", "allowed", "text", "at"},
			[]string{"id"}, []string{"allowed"}},
		{"pages", []string{"assist_id", "page_id", "hash", "url", "title", "at"}, []string{"assist_id", "page_id", "hash"}, nil},
		{"invites", []string{"id", "site_id", "agent_id", "token_hash", "code_hash", "url", "created_at", "expires_at", "used_at",
			"assist_id"}, []string{"id"}, nil},
		{"audit", []string{"id", "session_id", "actor", "action", "detail", "at"}, []string{"id"}, nil},
		{"terminals", []string{"id", "host_key", "host_name", "command", "read_only", "approve", "created_at", "ended_at",
			"end_reason", "recording_id", "record_input"}, []string{"id"}, []string{"read_only", "approve", "record_input"}},
		{"secrets", []string{"name", "value", "created_at"}, []string{"name"}, nil},
		{"recording_deletions", []string{"id", "queued_at"}, []string{"id"}, nil},
		{"leases", []string{"session_id", "kind", "node", "node_url", "token", "expires_at"}, []string{"session_id"}, nil},
		{"conversations", []string{"id", "kind", "name", "avatar_url", "description", "site_id", "assist_id", "queued", "summary",
			"created_by", "created_at", "updated_at", "last_seq", "last_message_at"}, []string{"id"}, []string{"queued"}},
		{"conversation_members", []string{"conversation_id", "account", "added_by", "granted", "last_read", "joined_at"},
			[]string{"conversation_id", "account"}, nil},
		{"messages", []string{"id", "conversation_id", "seq", "author", "client_id", "text", "mentions", "blocks", "attachments",
			"created_at", "edited_at"}, []string{"id"}, nil},
		{"attachments", []string{"id", "conversation_id", "uploader", "message_id", "name", "content_type", "size", "blob_key",
			"width", "height", "created_at"}, []string{"id"}, nil},
		{"bots", []string{"id", "owner_id", "name", "avatar_url", "description", "url", "interface_url", "scopes", "token_hash",
			"token_id", "signing_secret", "recommended", "created_at"}, []string{"id"}, []string{"recommended"}},
		{"bot_commands", []string{"id", "bot_id", "name", "description", "hint", "url", "created_at"}, []string{"id"}, nil},
		{"hooks", []string{"id", "bot_id", "conversation_id", "token_hash", "created_at"}, []string{"id"}, nil},
		{"deliveries", []string{"id", "bot_id", "kind", "conversation_id", "message_id", "url", "payload", "state", "attempts",
			"next_attempt_at", "locked_until", "last_status", "last_error", "created_at", "done_at"}, []string{"id"}, nil},
		{"delivery_attempts", []string{"delivery_id", "n", "at", "status", "error", "duration_ms"}, []string{"delivery_id", "n"}, nil},
		{"service_lines", []string{"site_id", "domains", "redirect_uris", "devices", "access_ttl", "refresh_ttl", "one_device",
			"client_secret_hash", "vouch_key", "created_at", "updated_at"}, []string{"site_id"}, []string{"one_device"}},
		{"identities", []string{"id", "email", "name", "password_hash", "user_id", "created_at"}, []string{"id"}, nil},
		{"grants", []string{"id", "identity_id", "site_id", "device_id", "device_kind", "scope", "generation", "rotated_at",
			"access_hash", "refresh_hash", "prev_refresh_hash", "access_expires_at", "expires_at", "created_at", "ended_at",
			"end_reason", "refresh_ahead"}, []string{"id"}, []string{"refresh_ahead"}},
		{"auth_codes", []string{"hash", "site_id", "identity_id", "redirect_uri", "code_challenge", "nonce", "scope", "device_id",
			"device_kind", "session_hash", "created_at", "expires_at"}, []string{"hash"}, nil},
		{"console_codes", []string{"hash", "identity_id", "redirect_uri", "code_challenge", "nonce", "created_at", "expires_at"},
			[]string{"hash"}, nil},
		{"passport_sessions", []string{"token_hash", "identity_id", "created_at", "expires_at"}, []string{"token_hash"}, nil},
		{"passport_vouch_jtis", []string{"jti_hash", "site_id", "expires_at"}, []string{"jti_hash"}, nil},
		{"signing_keys", []string{"id", "algorithm", "private_der", "created_at", "signs_from", "retires_at"}, []string{"id"}, nil},
		{"share_links", []string{"id", "kind", "subject_id", "created_by", "created_at", "expires_at", "revoked_at", "needs_account",
			"token_hash", "last_used_at", "uses"}, []string{"id"}, []string{"needs_account"}},
		{"video_exports", []string{"id", "kind", "subject_id", "recording_id", "site_id", "options", "state", "done_frames",
			"total_frames", "error", "blob_key", "bytes", "duration_ms", "width", "height", "requested_by", "created_at", "started_at",
			"finished_at", "attempts", "not_before", "claim_node", "claim_until"}, []string{"id"}, nil},
		{"agent_presence", []string{"user_id", "available", "updated_at"}, []string{"user_id"}, []string{"available"}},
		{"site_pickup", []string{"site_id", "timeout_ms", "updated_at"}, []string{"site_id"}, nil},
		{"assist_left_messages", []string{"assist_id", "at"}, []string{"assist_id"}, nil},
	}
}

// CopyTableNames returns the names of CopyTables in order, for
// Copier.Tables.
func CopyTableNames() []string {
	var names []string
	for _, t := range CopyTables() {
		names = append(names, t.Name)
	}
	return names
}

// CopyTable returns the table called name, or tandem.EInvalid: a Copier
// checks names against CopyTables before they reach any SQL.
func CopyTable(name string) (Table, error) {
	for _, t := range CopyTables() {
		if t.Name == name {
			return t, nil
		}
	}
	return Table{}, tandem.Errorf(tandem.EInvalid, "%q is not a table of the store", name)
}

// Args returns row's values in the order of t's columns, or why row does
// not fit t: a column t lacks, a column without a value, a bool outside a
// boolean column (or anything else in one), or a value not of Row's types.
func (t Table) Args(row Row) ([]any, error) {
	if len(row) != len(t.Columns) {
		for col := range row {
			if !slices.Contains(t.Columns, col) {
				return nil, fmt.Errorf("no column %q", col)
			}
		}
	}
	out := make([]any, len(t.Columns))
	for i, col := range t.Columns {
		v, ok := row[col]
		if !ok {
			return nil, fmt.Errorf("no value for column %q", col)
		}
		_, isBool := v.(bool)
		if isBool != slices.Contains(t.Bools, col) {
			return nil, fmt.Errorf("column %q: a value of type %T; booleans go to boolean columns only", col, v)
		}
		switch x := v.(type) {
		case nil, string, int64, float64, []byte, bool:
			out[i] = x
		default:
			return nil, fmt.Errorf("column %q: a value of type %T", col, v)
		}
	}
	return out, nil
}
