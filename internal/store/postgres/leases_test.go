package postgres

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandemhq/tandem"
	"github.com/tandemhq/tandem/internal/pgtest"
	"github.com/tandemhq/tandem/internal/store"
)

// TestLeasesFollowDatabaseClock: leases hold by the database's clock, not
// the nodes'. Here every connection sees the database's clock shifted by
// ten minutes, ahead and then behind, which to the store is the same as
// both nodes' clocks being ten minutes off: a node cannot steal a live
// lease, whose expiry is the database's time plus the ttl, nor keep one
// that lapsed, about a second later by the database.
func TestLeasesFollowDatabaseClock(t *testing.T) {
	for _, shift := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		t.Run(shift.String(), func(t *testing.T) { testLeaseClockShift(t, shift) })
	}
}

func testLeaseClockShift(t *testing.T, shift time.Duration) {
	ctx := context.Background()
	a, b := openShifted(t, shift)
	const ttl = time.Second

	var dbMillis int64
	if err := a.pool.QueryRow(ctx, `SELECT `+dbNow).Scan(&dbMillis); err != nil {
		t.Fatal(err)
	}
	if off := time.Until(time.UnixMilli(dbMillis)) - shift; off.Abs() > 5*time.Second {
		t.Fatalf("the database's clock is %v off the shift %v: the shift is not in effect", off, shift)
	}

	start := time.Now()
	l, err := a.Acquire(ctx, "assist-1", store.LeaseAssist, "node-a", "http://10.0.0.1:8080", time.Minute)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	if off := l.ExpiresAt.Sub(start.Add(shift + time.Minute)); off.Abs() > 5*time.Second {
		t.Errorf("the lease expires at %v, %v off the database's time plus the ttl", l.ExpiresAt, off)
	}
	_, err = b.Acquire(ctx, "assist-1", store.LeaseAssist, "node-b", "http://10.0.0.2:8080", time.Minute)
	if tandem.ErrorCode(err) != tandem.EConflict {
		t.Fatalf("another node's Acquire of the live lease: %v, want a conflict", err)
	}
	if ex, err := b.ExpiredLeases(ctx, 10); err != nil || len(ex) != 0 {
		t.Errorf("ExpiredLeases of a live lease = %+v, %v", ex, err)
	}

	start = time.Now()
	if l, err = a.Renew(ctx, "assist-1", "node-a", l.Token, ttl); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if off := l.ExpiresAt.Sub(start.Add(shift + ttl)); off.Abs() > 5*time.Second {
		t.Errorf("the renewed lease expires at %v, %v off the database's time plus the ttl", l.ExpiresAt, off)
	}
	if l.Remaining <= 0 || l.Remaining > ttl {
		t.Errorf("the renewed lease has %v left, want up to %v", l.Remaining, ttl)
	}

	// It lapses about ttl later, by the database, whatever the shift.
	for {
		now, err := b.LeaseOf(ctx, "assist-1")
		if err != nil {
			t.Fatal(err)
		}
		if now.Remaining <= 0 {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the 1 s lease has not lapsed after %v: %+v", time.Since(start), now)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if took := time.Since(start); took < ttl-100*time.Millisecond {
		t.Errorf("the 1 s lease lapsed after %v", took)
	}
	_, err = a.Renew(ctx, "assist-1", "node-a", l.Token, time.Minute)
	if tandem.ErrorCode(err) != tandem.EConflict {
		t.Errorf("the holder's Renew of its lapsed lease: %v, want a conflict", err)
	}
	if got, err := a.RenewAll(ctx, "node-a", time.Minute); err != nil || len(got) != 0 {
		t.Errorf("the holder's RenewAll after its lease lapsed = %+v, %v; want nothing renewed", got, err)
	}
	ex, err := b.ExpiredLeases(ctx, 10)
	if err != nil || len(ex) != 1 || ex[0].SessionID != "assist-1" {
		t.Errorf("ExpiredLeases of the lapsed lease = %+v, %v", ex, err)
	}
	taken, err := b.Acquire(ctx, "assist-1", store.LeaseAssist, "node-b", "http://10.0.0.2:8080", time.Minute)
	if err != nil || taken.Token <= l.Token {
		t.Errorf("the takeover of the lapsed lease = %+v, %v; want it with a token over %d", taken, err, l.Token)
	}
}

// openShifted opens two stores on a fresh database whose clock functions
// are shifted by shift for every connection of theirs: a schema of
// functions named as pg_catalog's comes before pg_catalog in search_path.
// (The store's SQL therefore reads the clock through these functions,
// never through CURRENT_TIMESTAMP, which no schema can stand in for.)
func openShifted(t *testing.T, shift time.Duration) (*DB, *DB) {
	t.Helper()
	ctx := context.Background()
	raw := pgtest.URL(t)
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	sql := `CREATE SCHEMA shifted;`
	for _, fn := range []string{"now", "statement_timestamp", "clock_timestamp", "transaction_timestamp"} {
		sql += fmt.Sprintf(`CREATE FUNCTION shifted.%[1]s() RETURNS timestamptz LANGUAGE sql VOLATILE
			AS $$ SELECT pg_catalog.%[1]s() + make_interval(secs => %[2]d) $$;`, fn, int64(shift.Seconds()))
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("shift the clock: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "public,shifted,pg_catalog")
	u.RawQuery = q.Encode()
	var dbs []*DB
	for range 2 {
		db, err := Open(ctx, u.String())
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	return dbs[0], dbs[1]
}
