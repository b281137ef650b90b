package store

import (
	"context"
	"time"
)

// The interfaces in this file are what a backend provides besides the
// records of the capabilities: the deletion queue that retention and site
// removal feed, secrets that every server of an installation shares, and
// table-by-table copying for `tandem migrate-data`.

// Recordings is the queue of recordings whose blobs must be deleted: those
// of assists removed with their site, and those whose site's retention has
// run out. A recording is queued in the same transaction that dooms it, so
// that a crash between the database and the blob storage leaves work to do,
// never an orphan blob.
type Recordings interface {
	// ExpireRecordings finds up to limit ended assists whose site has a
	// RecordingRetention that has run out at now (EndedAt + retention <=
	// now) and whose recording is not deleted yet, sets their
	// RecordingDeletedAt to now and queues their recordings for deletion,
	// in one transaction. It returns how many it expired.
	ExpireRecordings(ctx context.Context, now time.Time, limit int) (int, error)
	// DoomedRecordings returns up to limit ids of recordings queued for
	// deletion, oldest first. A recording's id is its assist's id.
	DoomedRecordings(ctx context.Context, limit int) ([]string, error)
	// ForgetRecording takes id off the deletion queue, once its blobs are
	// gone. Forgetting an id that is not queued is not an error.
	ForgetRecording(ctx context.Context, id string) error
}

// Secrets are keys that every server of an installation must share (the
// cookie and token signing key, the SSH host key), kept in the store so
// that servers on different machines agree without sharing a directory.
type Secrets interface {
	// Secret returns the secret named name. When there is none yet it
	// stores fresh and returns it; of servers racing to create one, every
	// caller gets the value that was stored first.
	Secret(ctx context.Context, name string, fresh []byte) ([]byte, error)
}

// Row is one row of a table as Copier reads and writes it: column name to
// value. Values are only string, int64, float64, bool, []byte or nil, the
// same on every backend (times are unix milliseconds, as int64).
type Row map[string]any

// Copier reads and writes a backend table by table, for `tandem
// migrate-data`, which moves an installation from one backend to another.
type Copier interface {
	// Tables returns the names of the tables to copy, parents before the
	// tables whose rows reference them. Every backend returns the same list.
	Tables() []string
	// ReadTable calls fn with every row of table in primary-key order.
	ReadTable(ctx context.Context, table string, fn func(Row) error) error
	// WriteRows inserts rows into table in one transaction: all of them or,
	// on error, none.
	WriteRows(ctx context.Context, table string, rows []Row) error
	// CountRows returns how many rows table has.
	CountRows(ctx context.Context, table string) (int64, error)
}

// Pinger is a backend that can say whether it answers, for health checks
// and the check at start.
type Pinger interface {
	Ping(ctx context.Context) error
}
