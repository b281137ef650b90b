package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// query runs a query returning one integer on the database at url.
func query(t *testing.T, url, sql string) (int64, error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, sql).Scan(&n)
	return n, err
}

func TestURLGivesFreshDatabases(t *testing.T) {
	var first string
	t.Run("use", func(t *testing.T) {
		first = URL(t)
		second := URL(t)
		if first == second {
			t.Fatalf("two calls gave the same database %s", first)
		}
		for _, u := range []string{first, second} {
			n, err := query(t, u, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`)
			if err != nil {
				t.Fatalf("query %s: %v", u, err)
			}
			if n != 0 {
				t.Errorf("a fresh database has %d tables", n)
			}
		}
		conn, err := pgx.Connect(context.Background(), first)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(context.Background(), `CREATE TABLE t (x int)`); err != nil {
			t.Fatal(err)
		}
		// Left open on purpose: the cleanup must drop a database in use.
	})
	if _, err := query(t, first, `SELECT 1`); err == nil {
		t.Errorf("the database %s is still there after its test ended", first)
	}
}

func TestServerRestarts(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Log("a dedicated server is started even when " + EnvURL + " is set")
	}
	s := Start(t)
	if n, err := query(t, s.URL(), `SELECT 1`); err != nil || n != 1 {
		t.Fatalf("a started server answers %d, %v", n, err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := query(t, s.URL(), `SELECT 1`); err == nil {
		t.Fatal("a stopped server answered")
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start again: %v", err)
	}
	if n, err := query(t, s.URL(), `SELECT 1`); err != nil || n != 1 {
		t.Fatalf("a restarted server answers %d, %v", n, err)
	}
}
